// Keeps a page's WebSockets away from the appliance. CDP cannot hold back a WebSocket's
// handshake as it holds back other requests, so the page's own WebSocket refuses the appliance's
// destinations, given as RULES: [{port, hosts: [names and addresses], localhost: bool,
// loopback: bool}], where `localhost` covers the `localhost` names and `loopback` every loopback
// address. A refused socket fails as an unreachable one does: an `error`, then a `close`.
((RULES) => {
  const Native = window.WebSocket;
  const refused = (address) => {
    let url;
    try { url = new URL(address, location.href); } catch { return false; }
    const host = url.hostname.replace(/\.$/, "").toLowerCase().replace(/^\[|\]$/g, "");
    const port = url.port || (url.protocol === "wss:" || url.protocol === "https:" ? "443" : "80");
    const localhost = host === "localhost" || host.endsWith(".localhost");
    const loopback = /^127\./.test(host) || host === "0.0.0.0" || host === "::1" || host === "::" || /^::ffff:127\./.test(host);
    return RULES.some((rule) => String(rule.port) === port &&
      (rule.hosts.includes(host) || (rule.localhost && localhost) || (rule.loopback && loopback)));
  };
  const Guarded = function WebSocket(address, protocols) {
    if (!new.target) throw new TypeError("Failed to construct 'WebSocket': Please use the 'new' operator");
    if (refused(address)) return new Native("ws://0.0.0.0:9/refused");
    return protocols === undefined ? new Native(address) : new Native(address, protocols);
  };
  Guarded.prototype = Native.prototype;
  for (const key of ["CONNECTING", "OPEN", "CLOSING", "CLOSED"]) Guarded[key] = Native[key];
  Object.defineProperty(Guarded, "name", { value: "WebSocket" });
  window.WebSocket = Guarded;
})
