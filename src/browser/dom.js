// Page-side helpers of the action layer. Evaluated as one function expression:
// (op, args) => result, where a result is {ok: true, ...} or {ok: false, retry, error}.
// `retry: true` means "not yet": the element or text may still appear, so the caller waits.
// Selectors are CSS; " >>> " steps into an open shadow root or a same-origin iframe.
(op, args) => {
  const notYet = (error) => ({ ok: false, retry: true, error });
  const refuse = (error) => ({ ok: false, retry: false, error });
  const tagOf = (el) => el.tagName.toLowerCase();
  const styleOf = (el) => el.ownerDocument.defaultView.getComputedStyle(el);

  const visible = (el) => {
    const style = styleOf(el);
    if (style.visibility === "hidden" || style.display === "none") return false;
    const rect = el.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };

  // The roots a " >>> " step leads into: a shadow root or a same-origin frame's document.
  const inner = (el) => el.shadowRoot ?? (el.contentDocument || null);

  // All matches of a piercing selector below `root` (only the last step matches many).
  const queryAll = (root, selector) => {
    const steps = selector.split(" >>> ");
    let scope = root;
    for (const step of steps.slice(0, -1)) {
      const host = scope.querySelector(step);
      scope = host && inner(host);
      if (!scope) return [];
    }
    return Array.from(scope.querySelectorAll(steps[steps.length - 1]));
  };
  const query = (root, selector) => queryAll(root, selector)[0] ?? null;

  const find = (selector) => {
    try {
      return { el: query(document, selector) };
    } catch (e) {
      return { invalid: `invalid selector: ${e.message}` };
    }
  };

  // Finds a visible (and, if asked, enabled) element; scrolls it to the middle of the viewport.
  const target = (selector, needEnabled) => {
    const { el, invalid } = find(selector);
    if (invalid) return { fail: refuse(invalid) };
    if (!el) return { fail: notYet("no element matches") };
    if (!visible(el)) return { fail: notYet("the element is not visible") };
    if (needEnabled && el.disabled) return { fail: notYet("the element is disabled") };
    el.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
    return { el };
  };

  // A point (x, y) of the element's frame as it lies in each page around it: [frame, x, y] for
  // every frame the element sits in, innermost first.
  const throughFrames = (el, x, y) => {
    const steps = [];
    for (let view = el.ownerDocument.defaultView; view.frameElement; view = view.parent) {
      const frame = view.frameElement;
      const box = frame.getBoundingClientRect();
      const style = styleOf(frame);
      x += box.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft);
      y += box.top + parseFloat(style.borderTopWidth) + parseFloat(style.paddingTop);
      steps.push([frame, x, y]);
    }
    return steps;
  };

  // A point of the element's frame in the top page's viewport.
  const inViewport = (el, { x, y }) => {
    const steps = throughFrames(el, x, y);
    const [, topX, topY] = steps[steps.length - 1] ?? [null, x, y];
    return { x: topX, y: topY };
  };

  // How an element is named in a message: `<button id="ok">`, `<div class="overlay">`, or its tag
  // and the start of its text.
  const describe = (el) => {
    const tag = tagOf(el);
    if (el.id) return `<${tag} id="${el.id}">`;
    const classes = el.getAttribute("class")?.trim();
    if (classes) return `<${tag} class="${classes.split(/\s+/).slice(0, 3).join(" ")}">`;
    const text = (el.innerText ?? "").replace(/\s+/g, " ").trim().slice(0, 30);
    return text ? `<${tag}> "${text}"` : `<${tag}>`;
  };

  // Whether a click at (x, y) of the element's frame would reach the element: the topmost
  // element there is it or inside it, in its own frame and shadow root, and every frame it sits
  // in is itself on top at that point of its parent's page.
  const reaches = (el, x, y) => {
    const top = el.getRootNode().elementFromPoint(x, y);
    if (!top || (top !== el && !el.contains(top))) return { cover: top };
    for (const [frame, frameX, frameY] of throughFrames(el, x, y)) {
      const over = frame.getRootNode().elementFromPoint(frameX, frameY);
      if (over !== frame) return { cover: over };
    }
    return {};
  };

  // A point of the element that a click reaches: its centre if nothing covers it, else the
  // first free point of a grid over its part in the viewport. None when it is covered all over:
  // then what covers its centre.
  const freePoint = (el) => {
    const view = el.ownerDocument.defaultView;
    const boxes = Array.from(el.getClientRects());
    const candidates = [];
    for (const box of boxes) candidates.push([box.left + box.width / 2, box.top + box.height / 2]);
    for (const box of boxes) {
      const left = Math.max(box.left, 0), right = Math.min(box.right, view.innerWidth);
      const top = Math.max(box.top, 0), bottom = Math.min(box.bottom, view.innerHeight);
      for (const fy of [0.5, 0.2, 0.8, 0.05, 0.95]) {
        for (const fx of [0.5, 0.2, 0.8, 0.05, 0.95]) {
          candidates.push([left + (right - left) * fx, top + (bottom - top) * fy]);
        }
      }
    }
    let cover = null;
    for (const [x, y] of candidates) {
      const hit = reaches(el, x, y);
      if (!("cover" in hit)) return { x, y };
      cover ??= hit.cover;
    }
    return { cover };
  };

  const fire = (el, ...types) => types.forEach((t) => el.dispatchEvent(new Event(t, { bubbles: true })));

  const setNativeValue = (el, value) => {
    const proto = Object.getPrototypeOf(el);
    const setter = Object.getOwnPropertyDescriptor(proto, "value")?.set;
    if (setter) setter.call(el, value); else el.value = value;
  };

  const isToggle = (el) => tagOf(el) === "input" && (el.type === "checkbox" || el.type === "radio");

  // Fields that received a secret: what they hold, as the model wrote it (its placeholders), and
  // masked on screen, so that neither a model nor a screenshot, a frame or a video shows it.
  const secretFields = (globalThis.__skyvernSecretFields ??= new WeakMap());
  const holdSecret = (el, shown) => {
    if (shown == null) return;
    secretFields.set(el, shown);
    el.style.setProperty("-webkit-text-security", "disc", "important");
  };

  const textOf = (el, attribute) => {
    if (attribute) return el.getAttribute(attribute);
    if (secretFields.has(el)) return secretFields.get(el);
    if (isToggle(el)) return String(el.checked);
    if (tagOf(el) === "input" || tagOf(el) === "textarea") return el.value;
    if (tagOf(el) === "select") return el.selectedOptions[0]?.textContent.trim() ?? null;
    return (el.innerText ?? el.textContent ?? "").trim();
  };

  // The part of `text` (whitespace squashed) after `after` and before the next `before`; null when
  // `after` is not there.
  const between = (text, after, before) => {
    if (text == null || (after == null && before == null)) return text;
    const squashed = text.replace(/\s+/g, " ").trim();
    let start = 0;
    if (after != null) {
      const at = squashed.indexOf(after);
      if (at < 0) return null;
      start = at + after.length;
    }
    const end = before != null ? squashed.indexOf(before, start) : -1;
    return squashed.slice(start, end < 0 ? squashed.length : end).trim();
  };

  // Extracts `spec` (name -> field) below `root`; a field is a selector, a list of selectors
  // (one value each), or {selector, attribute, all, fields}. Missing single fields are null.
  const extractFields = (root, spec) => {
    const out = {};
    for (const [name, field] of Object.entries(spec)) {
      if (Array.isArray(field)) {
        out[name] = field.map((selector) => {
          const el = query(root, selector);
          return el ? textOf(el) : null;
        });
        continue;
      }
      const f = typeof field === "string" ? { selector: field } : field;
      const read = (el) => (f.fields ? extractFields(el, f.fields) : between(textOf(el, f.attribute), f.after, f.before));
      if (f.all) {
        out[name] = queryAll(root, f.selector).map(read);
      } else {
        const el = query(root, f.selector);
        out[name] = el ? read(el) : null;
      }
    }
    return out;
  };

  // Where a piercing selector crosses into a cross-origin iframe (whose document this world
  // cannot enter): the steps up to that iframe, the steps after it, and the offset of the
  // iframe's content in the viewport, after scrolling it into view.
  const boundary = (selector) => {
    const steps = selector.split(" >>> ");
    let scope = document;
    for (let i = 0; i < steps.length - 1; i++) {
      const host = scope.querySelector(steps[i]);
      if (!host) return { cross: false };
      const next = inner(host);
      if (!next && tagOf(host) === "iframe") {
        host.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
        const rect = host.getBoundingClientRect();
        const style = styleOf(host);
        return {
          cross: true,
          host: steps.slice(0, i + 1).join(" >>> "),
          rest: steps.slice(i + 1).join(" >>> "),
          x: rect.left + parseFloat(style.borderLeftWidth) + parseFloat(style.paddingLeft),
          y: rect.top + parseFloat(style.borderTopWidth) + parseFloat(style.paddingTop),
        };
      }
      if (!next) return { cross: false };
      scope = next;
    }
    return { cross: false };
  };

  // When the page last changed: a mutation of its DOM (its open shadow roots and same-origin
  // frames included) or a finite animation still running (a menu sliding open).
  const changes = (globalThis.__skyvernChanges ??= { last: performance.now(), watched: new WeakSet() });
  const watchChanges = () => {
    const observe = (root) => {
      if (changes.watched.has(root)) return;
      changes.watched.add(root);
      new MutationObserver(() => { changes.last = performance.now(); })
        .observe(root, { subtree: true, childList: true, attributes: true, characterData: true });
    };
    const visit = (root) => {
      observe(root);
      for (const el of root.querySelectorAll("*")) {
        if (el.shadowRoot) visit(el.shadowRoot);
        if (tagOf(el) === "iframe") {
          let doc = null;
          try { doc = el.contentDocument; } catch { doc = null; }
          if (doc) visit(doc);
        }
      }
    };
    visit(document);
  };
  const animating = () => document.getAnimations().some((animation) =>
    animation.playState === "running" && Number.isFinite(animation.effect?.getComputedTiming().endTime));

  // Resolves once the page has not changed for `window` ms, `floor` ms have passed, or `limit`.
  const quiet = async ({ window, floor, limit }) => {
    watchChanges();
    const started = performance.now();
    for (;;) {
      const now = performance.now();
      if (animating()) changes.last = now;
      const waited = now - started;
      const still = now - changes.last;
      if ((waited >= floor && still >= window) || waited >= limit) return { ok: true, waited, still };
      const next = Math.max(window - still, floor - waited, 5);
      await new Promise((resolve) => setTimeout(resolve, Math.min(next, Math.max(limit - waited, 1))));
    }
  };

  switch (op) {
    case "watch":
      watchChanges();
      return { ok: true };
    case "quiet":
      return quiet(args);
    case "boundary":
      return boundary(args.selector);
    case "point": {
      const { el, fail } = target(args.selector, args.enabled !== false);
      if (fail) return fail;
      const point = freePoint(el);
      if (point.cover !== undefined) {
        const by = point.cover ? describe(point.cover) : "nothing a click can reach (it takes no pointer events)";
        return { ok: false, retry: true, covered: by, error: `covered by ${by}` };
      }
      return { ok: true, ...inViewport(el, point) };
    }
    case "focus": {
      const { el, fail } = target(args.selector, true);
      if (fail) return fail;
      holdSecret(el, args.shown);
      el.focus();
      return { ok: true };
    }
    case "fill": {
      const { el, fail } = target(args.selector, true);
      if (fail) return fail;
      if (el.isContentEditable) {
        holdSecret(el, args.shown);
        el.focus();
        el.textContent = args.value;
        fire(el, "input");
        return { ok: true };
      }
      if (!["input", "textarea"].includes(tagOf(el)) || isToggle(el)) return refuse(`a <${tagOf(el)}> cannot be filled`);
      if (el.readOnly) return refuse("the element is read-only");
      holdSecret(el, args.shown);
      el.focus();
      setNativeValue(el, args.value);
      fire(el, "input", "change");
      // A text area keeps its lines with "\n" alone.
      const kept = tagOf(el) === "textarea" ? args.value.replace(/\r\n?/g, "\n") : args.value;
      if (el.value !== kept && el.type !== "file") return refuse("the page did not keep the value");
      return { ok: true };
    }
    case "select": {
      const { el, fail } = target(args.selector, true);
      if (fail) return fail;
      if (tagOf(el) !== "select") return refuse("the element is not a <select>");
      const options = Array.from(el.options);
      const option = options.find((o) =>
        args.value != null ? o.value === args.value : o.textContent.trim() === args.label);
      if (!option) {
        const choices = options.map((o) => `${o.value} (${o.textContent.trim()})`).join(", ");
        return refuse(`no option ${args.value != null ? "with value" : "labelled"} "${args.value ?? args.label}"; options: ${choices}`);
      }
      el.value = option.value;
      fire(el, "input", "change");
      return { ok: true, value: el.value };
    }
    case "check": {
      const { el, fail } = target(args.selector, true);
      if (fail) return fail;
      if (!isToggle(el)) return refuse("the element is not a checkbox or radio button");
      if (el.checked !== args.checked) el.click();
      if (el.checked !== args.checked) return refuse("the page did not let the box change");
      return { ok: true, checked: el.checked };
    }
    case "scroll": {
      if (args.selector) {
        const { el, fail } = target(args.selector, false);
        if (fail) return fail;
        el.scrollBy({ left: args.x, top: args.y, behavior: "instant" });
      } else {
        window.scrollBy({ left: args.x, top: args.y, behavior: "instant" });
      }
      return { ok: true, scroll_x: window.scrollX, scroll_y: window.scrollY };
    }
    case "present": {
      const { el, invalid } = find(args.selector);
      if (invalid) return refuse(invalid);
      return el && visible(el) ? { ok: true } : notYet("no visible element matches");
    }
    case "text": {
      const body = document.body?.innerText ?? "";
      return body.includes(args.text) ? { ok: true } : notYet("the text is not on the page");
    }
    case "file_input": {
      const { el, fail } = target(args.selector, true);
      if (fail) return fail;
      if (tagOf(el) !== "input" || el.type !== "file") return refuse("the element is not a file input");
      return { ok: true };
    }
    case "element":
      return find(args.selector).el;
    case "read": {
      const { el, invalid } = find(args.selector);
      if (invalid) return refuse(invalid);
      return { ok: true, value: el ? textOf(el) : null };
    }
    case "extract": {
      try {
        return { ok: true, value: extractFields(document, args.fields) };
      } catch (e) {
        return refuse(`invalid selector: ${e.message}`);
      }
    }
    default:
      return refuse(`unknown operation ${op}`);
  }
}
