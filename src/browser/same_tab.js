// Keeps a run in one tab: links and forms that would open a new tab or window, and
// window.open, load in the current tab instead, so the run sees what it opened.
(() => {
  const elsewhere = (target) => target && !["_self", "_parent", "_top"].includes(target.toLowerCase());
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[target], area[target]") : null;
    if (link && elsewhere(link.target)) link.target = "_self";
  }, true);
  document.addEventListener("submit", (event) => {
    if (elsewhere(event.target.target)) event.target.target = "_self";
  }, true);
  const open = window.open;
  window.open = function (url, target, features) {
    if (url === undefined || url === "" || url === null) return open.call(window, url, target, features);
    location.href = new URL(String(url), location.href).href;
    return window;
  };
})();
