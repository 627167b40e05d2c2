// The desk's live connection: one EventSource per browser, shared by its tabs.
//
// Needs <header data-live-stream="/desk/live/stream/"> (agents only). Every message is
// re-dispatched on document as a "loket:live" CustomEvent, detail {type, id, data}; the
// connection's state as "loket:live-state" (detail "open", "connecting" or "fallback") and
// on <html data-live="…">, so other scripts poll only while there is no stream.
//
// Browsers allow six connections per host over HTTP/1.1, so a stream per tab would starve
// the seventh tab. One tab (holding a Web Lock) keeps the stream and passes each message to
// the others over a BroadcastChannel; when it closes, another takes over where it stopped
// (?last_event_id=). Browsers without these APIs keep a stream per tab.
(function () {
  "use strict";
  var NAME = "loket-live";
  var TYPES = ["ready", "ticket", "presence", "notification", "reset", "denied", "chat", "read"];
  var started = false;
  var source = null;
  var channel = null;
  var leading = false;
  var lastId = "";
  var state = "";
  var retryTimer = null;

  function setState(next) {
    if (next === state) return;
    state = next;
    document.documentElement.setAttribute("data-live", next);
    document.dispatchEvent(new CustomEvent("loket:live-state", { detail: next }));
    if (leading && channel) channel.postMessage({ type: "_state", state: next });
  }

  function deliver(message) {
    if (message.id) lastId = message.id;
    document.dispatchEvent(new CustomEvent("loket:live", { detail: message }));
  }

  function open(url) {
    clearTimeout(retryTimer);
    var full = url;
    if (lastId) full += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId);
    setState("connecting");
    source = new EventSource(full);
    TYPES.forEach(function (type) {
      source.addEventListener(type, function (ev) {
        var data = null;
        try { data = ev.data ? JSON.parse(ev.data) : null; } catch (e) { return; }
        var message = { type: type, id: ev.lastEventId || "", data: data };
        if (type === "ready") setState("open");
        if (type === "denied") { source.close(); fallBack(url); }
        deliver(message);
        if (leading && channel) channel.postMessage(message);
      });
    });
    source.onerror = function () {
      if (!source || source.readyState !== EventSource.CLOSED) { setState("connecting"); return; }
      fallBack(url); // refused (signed out, too many streams, server gone): try later
    };
  }

  function fallBack(url) {
    source = null;
    setState("fallback");
    retryTimer = setTimeout(function () { open(url); }, 20000 + Math.floor(Math.random() * 20000));
  }

  function lead(url) {
    leading = true;
    open(url);
    window.addEventListener("pagehide", function () { if (source) source.close(); });
    return new Promise(function () {}); // hold the lock as long as this tab lives
  }

  function start() {
    var header = document.querySelector("[data-live-stream]");
    if (started || !header) return;
    if (!("EventSource" in window)) { setState("fallback"); return; }
    started = true;
    var url = header.getAttribute("data-live-stream");
    if (window.BroadcastChannel && navigator.locks && navigator.locks.request) {
      channel = new BroadcastChannel(NAME);
      channel.onmessage = function (ev) {
        var m = ev.data || {};
        if (m.type === "_hello") { if (leading) channel.postMessage({ type: "_state", state: state }); return; }
        if (m.type === "_state") { if (!leading) setState(m.state); return; }
        if (!leading && TYPES.indexOf(m.type) >= 0) deliver(m);
      };
      setState("connecting");
      channel.postMessage({ type: "_hello" });
      navigator.locks.request(NAME, function () { return lead(url); });
    } else {
      leading = true;
      open(url);
    }
  }

  start();
  document.addEventListener("htmx:afterSettle", start);
})();
