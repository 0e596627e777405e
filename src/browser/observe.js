// Observation of the page for the agent: every visible interactable or text-bearing element,
// across open shadow roots and same-origin iframes, with an id that stays the same for the
// same element while the page lives, and a CSS selector (" >>> " into shadow roots and frames)
// that finds it again. Returns {url, title, elements: [...], truncated, frames}, where `frames`
// are the cross-origin iframes this world cannot enter (the caller observes those itself).
(limit, prefix = "", frameDepth = 0, idPrefix = "") => {
  const registry = (window.__skyvernRegistry ??= { ids: new WeakMap(), next: 1 });
  const idOf = (el) => {
    if (!registry.ids.has(el)) registry.ids.set(el, `${idPrefix}e${registry.next++}`);
    return registry.ids.get(el);
  };
  const tagOf = (el) => el.tagName.toLowerCase();
  const clip = (text, n = 120) => {
    const t = (text ?? "").replace(/\s+/g, " ").trim();
    return t.length > n ? `${t.slice(0, n)}…` : t;
  };
  const styleOf = (el) => el.ownerDocument.defaultView.getComputedStyle(el);
  const visible = (el) => {
    const style = styleOf(el);
    if (style.visibility === "hidden" || style.display === "none" || style.opacity === "0") return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const INTERACTIVE = new Set(["a", "button", "input", "select", "textarea", "summary", "option"]);
  const TEXTUAL = new Set(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "td", "th", "dd", "dt", "label",
    "span", "div", "strong", "em", "b", "caption", "figcaption", "legend", "pre", "code", "blockquote"]);
  const interactive = (el) =>
    INTERACTIVE.has(tagOf(el)) || el.isContentEditable || el.hasAttribute("onclick") ||
    ["button", "link", "checkbox", "radio", "tab", "menuitem", "option", "switch", "textbox", "combobox"]
      .includes(el.getAttribute("role")) ||
    (el.hasAttribute("tabindex") && el.getAttribute("tabindex") !== "-1");
  const ownText = (el) =>
    clip(Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent).join(" "));
  const scrollable = (el) => {
    const style = styleOf(el);
    return ["auto", "scroll"].includes(style.overflowY) && el.scrollHeight > el.clientHeight + 4;
  };

  // A selector for `el` within its root (document or shadow root): an id or name that is unique
  // there, else a path of :nth-of-type steps from the nearest unique ancestor.
  const esc = (s) => CSS.escape(s);
  const unique = (root, selector) => {
    try { return root.querySelectorAll(selector).length === 1; } catch { return false; }
  };
  const localSelector = (el, root) => {
    const tag = tagOf(el);
    if (el.id && !/\d{4,}/.test(el.id) && unique(root, `#${esc(el.id)}`)) return `#${esc(el.id)}`;
    for (const attr of ["data-testid", "data-test", "name", "aria-label", "placeholder"]) {
      const value = el.getAttribute(attr);
      const selector = value && `${tag}[${attr}="${value.replace(/"/g, '\\"')}"]`;
      if (selector && unique(root, selector)) return selector;
    }
    const parent = el.parentElement;
    const nth = parent
      ? `:nth-of-type(${Array.from(parent.children).filter((c) => c.tagName === el.tagName).indexOf(el) + 1})`
      : "";
    const step = `${tag}${nth}`;
    if (!parent || parent === root.host) return step;
    if (tagOf(parent) === "body") return `body > ${step}`;
    return `${localSelector(parent, root)} > ${step}`;
  };

  const elements = [];
  const frames = [];
  let truncated = false;
  const walk = (root, prefix, frame) => {
    const all = root.querySelectorAll("*");
    for (const el of all) {
      if (elements.length >= limit) { truncated = true; return; }
      if (el.shadowRoot) walk(el.shadowRoot, `${prefix}${localSelector(el, root)} >>> `, frame);
      if (tagOf(el) === "iframe") {
        let doc = null;
        try { doc = el.contentDocument; } catch { doc = null; }
        const selector = `${prefix}${localSelector(el, root)}`;
        if (doc) walk(doc, `${selector} >>> `, frame + 1);
        else if (visible(el)) frames.push({ selector, frame: frame + 1 });
        continue;
      }
      if (!visible(el)) continue;
      const isInteractive = interactive(el);
      const text = ownText(el);
      const isScrollable = scrollable(el);
      if (!isInteractive && !isScrollable && !(TEXTUAL.has(tagOf(el)) && text)) continue;
      // Text inside a link or button is already that control's label; so is a label's text.
      if (!isInteractive && !isScrollable && el.parentElement?.closest("a, button, label, select, summary")) continue;
      if (tagOf(el) === "label" && el.control) continue;
      const item = { id: idOf(el), tag: tagOf(el), selector: prefix + localSelector(el, root) };
      if (frame > 0) item.frame = frame;
      const ownLabel = el.getAttribute("aria-label") || el.getAttribute("title") || el.getAttribute("alt") || "";
      const label = !isInteractive ? text : tagOf(el) === "select" ? clip(ownLabel) : clip(ownLabel || el.innerText || "");
      if (label) item.text = label;
      if (tagOf(el) === "input") {
        item.type = el.type;
        if (el.type === "checkbox" || el.type === "radio") item.checked = el.checked;
        else if (el.type !== "password") item.value = clip(el.value, 80);
        if (el.placeholder) item.placeholder = clip(el.placeholder, 60);
        const labels = el.labels ? Array.from(el.labels).map((l) => clip(l.innerText, 60)).join(" ") : "";
        if (labels) item.label = labels;
      }
      if (tagOf(el) === "textarea") item.value = clip(el.value, 80);
      if (tagOf(el) === "select") {
        item.options = Array.from(el.options).slice(0, 50).map((o) => clip(o.textContent, 40));
        item.selected = clip(el.selectedOptions[0]?.textContent ?? "", 40);
        const labels = el.labels ? Array.from(el.labels).map((l) => clip(l.innerText, 60)).join(" ") : "";
        if (labels) item.label = labels;
      }
      if (tagOf(el) === "a" && el.getAttribute("href")) item.href = clip(el.getAttribute("href"), 100);
      if (el.disabled) item.disabled = true;
      if (isScrollable) item.scrollable = true;
      elements.push(item);
    }
  };
  walk(document, prefix, frameDepth);
  return { url: location.href, title: document.title, elements, truncated, frames };
}
