// The desk's chat view: when the live stream (live.js) says a chat ticket changed, fetch the
// list's rows again; a "chat" event marks the visitor as typing for a few seconds, in the list
// and on the chat's ticket page (#chat-visitor-typing). Loaded once however often htmx swaps
// a page that includes it in.
(function () {
  "use strict";
  if (window.loketChatDesk) return;
  window.loketChatDesk = true;
  var timer = null;
  var typing = {};

  function table() { return document.getElementById("chat-list"); }

  function refresh() {
    timer = null;
    var list = table();
    if (!list) return;
    fetch(list.getAttribute("data-live-chat"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (text) {
        var box = document.createElement("template");
        box.innerHTML = "<table>" + text + "</table>";
        var body = box.content.querySelector("tbody");
        if (body && list.tBodies[0]) list.tBodies[0].replaceWith(body);
        Object.keys(typing).forEach(showTyping);
      }).catch(function () { /* the next change tries again */ });
  }

  function showTyping(id) {
    var list = table();
    var cell = list && list.querySelector('tr[data-ticket="' + id + '"] [data-typing]');
    if (cell) cell.hidden = !typing[id];
    var line = document.getElementById("chat-visitor-typing");
    if (line && line.getAttribute("data-ticket") === id) line.hidden = !typing[id];
  }

  document.addEventListener("loket:live", function (ev) {
    var m = ev.detail || {};
    if (m.type === "ticket" && m.data && m.data.message === "customer" && typing[String(m.data.ticket)]) {
      var sent = String(m.data.ticket); // the message the visitor was typing arrived
      clearTimeout(typing[sent]);
      delete typing[sent];
      showTyping(sent);
    }
    if ((m.type === "ticket" || m.type === "reset") && table()) {
      if (!timer) timer = setTimeout(refresh, 80);
    } else if (m.type === "chat" && m.data) {
      var id = String(m.data.ticket);
      clearTimeout(typing[id]);
      typing[id] = setTimeout(function () { delete typing[id]; showTyping(id); }, 6000);
      showTyping(id);
    }
  });
})();
