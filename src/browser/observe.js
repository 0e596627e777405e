// Observation of the page for the agent: the page as a person reads it, one line per element that
// matters, across open shadow roots and same-origin iframes. Elements get an id that stays the
// same while the page lives, and a CSS selector (" >>> " into shadow roots and frames) that finds
// them again. Returns {url, title, elements: [...], truncated, frames}, where `frames` are the
// cross-origin iframes this world cannot enter (the caller observes those itself).
//
// Which elements get a line:
// - controls: links, buttons, form fields, and anything else a click acts on (a role such as
//   button or option, a tabindex, an onclick, a click listener the caller marked in
//   `__skyvernListened`, or where the pointer turns into a hand), the latter marked `clickable`;
// - text blocks: a block-level element (a paragraph, a cell, a list item, a heading, a label)
//   with text of its own; its line carries its whole text, inline children in place, as
//   `innerText` reads it. A control inside the text stands in place as its id (`[e7]`) and has a
//   line of its own, so no text is written twice;
// - scrollable areas.
(limit, prefix = "", frameDepth = 0, idPrefix = "") => {
  const TEXT_LIMIT = 300;
  const LABEL_LIMIT = 120;
  // Up to this many characters, a clickable element's text is all its own.
  const SMALL_WIDGET = 200;
  const registry = (window.__skyvernRegistry ??= { ids: new WeakMap(), next: 1 });
  const listened = globalThis.__skyvernListened;
  // What fields that received a secret hold, as the model wrote it (see `holdSecret` in dom.js).
  const secretOf = (el) => globalThis.__skyvernSecretFields?.get(el);
  const idOf = (el) => {
    if (!registry.ids.has(el)) registry.ids.set(el, `${idPrefix}e${registry.next++}`);
    return registry.ids.get(el);
  };
  const tagOf = (el) => el.tagName.toLowerCase();
  const squash = (text) => (text ?? "").replace(/\s+/g, " ").trim();
  const clip = (text, n = LABEL_LIMIT) => {
    const t = squash(text);
    return t.length > n ? `${t.slice(0, n)}…` : t;
  };
  const styles = new Map();
  const styleOf = (el) => {
    let style = styles.get(el);
    if (!style) {
      style = el.ownerDocument.defaultView.getComputedStyle(el);
      styles.set(el, style);
    }
    return style;
  };
  // Drawn at all (its text counts), and with a box of its own (it can be shown as a line).
  const drawn = (el) => {
    const style = styleOf(el);
    return style.display !== "none" && style.visibility !== "hidden" && style.visibility !== "collapse" &&
      style.opacity !== "0";
  };
  const visible = (el) => {
    if (!drawn(el)) return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  const INLINE = new Set(["inline", "inline-block", "inline-flex", "inline-grid", "contents", "ruby"]);
  const inline = (el) => INLINE.has(styleOf(el).display);
  const SKIPPED = new Set(["script", "style", "noscript", "template", "iframe", "frame", "object", "embed"]);

  const NATIVE = new Set(["a", "button", "input", "select", "textarea", "summary", "option"]);
  const ROLES = new Set(["button", "link", "checkbox", "radio", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "switch", "textbox", "searchbox", "combobox", "treeitem", "slider", "spinbutton"]);
  const roleOf = (el) => {
    const role = (el.getAttribute("role") ?? "").trim().split(/\s+/)[0].toLowerCase();
    return role && role !== "presentation" && role !== "none" ? role : "";
  };
  const parentOf = (el) => el.parentElement ?? el.getRootNode().host ?? null;
  const editingHost = (el) => el.isContentEditable && !parentOf(el)?.isContentEditable;
  const native = (el) => NATIVE.has(tagOf(el)) || editingHost(el);
  // Where the pointer turns into a hand (not where it merely inherits one from a parent).
  const pointerStartsHere = (el) => {
    if (styleOf(el).cursor !== "pointer") return false;
    const parent = parentOf(el);
    return !parent || styleOf(parent).cursor !== "pointer";
  };
  const tabbable = (el) => el.hasAttribute("tabindex") && Number(el.getAttribute("tabindex")) >= 0;
  const clickable = (el) =>
    !native(el) && (ROLES.has(roleOf(el)) || el.hasAttribute("onclick") || tabbable(el) ||
      (listened?.has(el) ?? false) || pointerStartsHere(el));
  const control = (el) => native(el) || clickable(el);
  const scrollable = (el) => {
    const style = styleOf(el);
    return ["auto", "scroll"].includes(style.overflowY) && el.scrollHeight > el.clientHeight + 4;
  };

  // The children as drawn: a shadow root's instead of the host's, a slot's assigned nodes.
  const drawnChildren = (node) => {
    if (node.shadowRoot) return node.shadowRoot.childNodes;
    if (node.tagName === "SLOT") {
      const assigned = node.assignedNodes({ flatten: true });
      return assigned.length ? assigned : node.childNodes;
    }
    return node.childNodes;
  };

  const namesAField = (el) => tagOf(el) === "label" && el.control != null;
  // Elements whose text is already part of an ancestor's line.
  const consumed = new WeakSet();
  // The text of `node` as innerText reads it, controls in place as their ids. `deep` also reads
  // block-level children (a control's label), which then belong to it (`consume`); otherwise
  // they are lines of their own.
  const textOf = (node, deep, consume, parts = []) => {
    for (const child of drawnChildren(node)) {
      if (child.nodeType === Node.TEXT_NODE) {
        parts.push(child.data);
        continue;
      }
      if (child.nodeType !== Node.ELEMENT_NODE || SKIPPED.has(tagOf(child)) || !drawn(child)) continue;
      // A label that names a field is read as that field's label.
      if (namesAField(child)) continue;
      if (tagOf(child) === "br") {
        parts.push(" ");
      } else if (listed(child)) {
        parts.push(` [${idOf(child)}] `);
      } else if (inline(child) || (control(child) && !visible(child))) {
        textOf(child, deep, consume, parts);
      } else if (deep) {
        if (consume) consumed.add(child);
        parts.push(" ");
        textOf(child, deep, consume, parts);
        parts.push(" ");
      } else {
        parts.push(" ");
      }
    }
    return parts;
  };
  const REF = /\[[a-z0-9]+\]/g;
  const HAS_REF = /\[[a-z0-9]+\]/;
  // Text that says something besides the ids of controls and punctuation.
  const meaningful = (text) => /[\p{L}\p{N}]/u.test(text.replace(REF, ""));
  const imageText = (el) => {
    const image = el.querySelector("img[alt], svg title");
    return squash(image?.getAttribute?.("alt") ?? image?.textContent ?? "");
  };
  // A control's whole text, which becomes its own: its children get no lines of their own.
  const deepText = (el) => squash(textOf(el, true, true).join("")) || imageText(el);
  // An element's whole text, read without taking its children (once per element).
  const wholeTexts = new Map();
  const wholeText = (el) => {
    if (!wholeTexts.has(el)) wholeTexts.set(el, squash(textOf(el, true, false).join("")));
    return wholeTexts.get(el);
  };
  // Elements that only listen for clicks or show a hand and hold nothing to read but controls
  // (a list of buttons, a dialog's frame) are containers, not controls of their own.
  const containers = new Map();
  const container = (el) => {
    if (!containers.has(el)) {
      const own = ownLabel(el) || wholeText(el);
      containers.set(el, clickable(el) && !ROLES.has(roleOf(el)) && HAS_REF.test(own) && !meaningful(own));
    }
    return containers.get(el);
  };
  // The controls that have a line of their own, and so stand in their parents' text as ids.
  const listed = (el) => control(el) && visible(el) && !container(el);
  // A field's labels, read without the fields they may wrap.
  const fieldLabels = (el) => {
    const read = (label) => squash(textOf(label, true, false).join("").replace(REF, " "));
    const labels = el.labels ? Array.from(el.labels).map(read) : [];
    const labelledBy = (el.getAttribute("aria-labelledby") ?? "").split(/\s+/).filter(Boolean)
      .map((id) => el.getRootNode().getElementById?.(id)).filter(Boolean).map(read);
    return clip([...labels, ...labelledBy].join(" "), LABEL_LIMIT);
  };
  const ownLabel = (el) =>
    el.getAttribute("aria-label") || el.getAttribute("title") || el.getAttribute("alt") || "";

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

  // The classes that tell an element from its siblings of the same kind ("ui-spinner-up" of two
  // spinner buttons), or all of them for an only child.
  const distinctClasses = (el) => {
    const classes = Array.from(el.classList);
    const siblings = Array.from(el.parentElement?.children ?? []).filter((s) => s !== el && s.tagName === el.tagName);
    const distinct = classes.filter((c) => !siblings.some((s) => s.classList.contains(c)));
    return siblings.length && distinct.length ? distinct : classes;
  };

  // What a control's line says: its kind, label, value and state.
  const describeControl = (el, item) => {
    const tag = tagOf(el);
    const role = roleOf(el);
    if (role) item.role = role;
    const named = ownLabel(el);
    if (clickable(el)) {
      // Its inline text; a small widget (a card, a menu entry) is read whole, a large container
      // leaves its blocks their own lines.
      item.clickable = true;
      const own = squash(textOf(el, false, false).join(""));
      const text = named || (meaningful(own) ? own : wholeText(el).length <= SMALL_WIDGET ? deepText(el) : "");
      if (text) item.text = clip(text);
    } else if (["input", "textarea", "select"].includes(tag) || editingHost(el)) {
      if (tag === "input") {
        item.type = el.type;
        if (el.type === "checkbox" || el.type === "radio") item.checked = el.checked;
        else if (el.type !== "password") item.value = secretOf(el) ?? clip(el.value, 80);
      } else if (tag === "select") {
        item.options = Array.from(el.options).slice(0, 50).map((o) => clip(o.textContent, 40));
        item.selected = clip(el.selectedOptions[0]?.textContent ?? "", 40);
      } else {
        item.value = secretOf(el) ?? clip(tag === "textarea" ? el.value : el.innerText, 80);
      }
      if (el.placeholder) item.placeholder = clip(el.placeholder, 60);
      if (named) item.text = clip(named);
      const label = editingHost(el) ? "" : fieldLabels(el);
      if (label) item.label = label;
    } else {
      // Read whole even when it is named: the text it holds is its own, not other lines.
      const read = deepText(el);
      const text = named || read;
      if (text) item.text = clip(text);
    }
    // A control with nothing to read (an icon) is known by its class or id.
    if (!item.text && !item.label && !item.placeholder && !item.value) {
      const className = clip(distinctClasses(el).join(" "), 60);
      if (className) item.class_name = className;
      else if (el.id) item.html_id = clip(el.id, 60);
    }
    if (tag === "a" && el.getAttribute("href")) item.href = clip(el.getAttribute("href"), 100);
    if (el.disabled || el.getAttribute("aria-disabled") === "true") item.disabled = true;
    const checked = el.getAttribute("aria-checked");
    if (item.checked === undefined && (checked === "true" || checked === "false")) item.checked = checked === "true";
    const expanded = el.getAttribute("aria-expanded");
    if (expanded === "true" || expanded === "false") item.expanded = expanded === "true";
    if (el.getAttribute("aria-selected") === "true") item.aria_selected = true;
    const popup = el.getAttribute("aria-haspopup");
    if (popup && popup !== "false") item.has_popup = true;
  };

  const elements = [];
  const frames = [];
  let truncated = false;
  const walk = (root, prefix, frame) => {
    for (const el of root.querySelectorAll("*")) {
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
      if (consumed.has(el) || SKIPPED.has(tagOf(el)) || !visible(el)) continue;
      if (namesAField(el)) continue;
      const item = { id: idOf(el), tag: tagOf(el), selector: prefix + localSelector(el, root) };
      if (frame > 0) item.frame = frame;
      if (listed(el)) {
        describeControl(el, item);
      } else {
        const isScrollable = scrollable(el);
        const text = inline(el) ? "" : squash(textOf(el, false, false).join(""));
        if (!isScrollable && !meaningful(text)) continue;
        if (meaningful(text)) item.text = clip(text, TEXT_LIMIT);
        if (isScrollable) item.scrollable = true;
      }
      elements.push(item);
    }
  };
  walk(document, prefix, frameDepth);
  return { url: location.href, title: document.title, elements, truncated, frames };
}
