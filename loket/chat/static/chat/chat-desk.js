// The desk's chat view: when the live stream (live.js) says a chat ticket changed, fetch the
// list's rows again; a "chat" event marks the visitor as typing for a few seconds, in the list
// and on the chat's ticket page (#chat-visitor-typing). On that page it also says when the
// agent has seen the visitor's messages (the page open and visible: POST data-read-url), and
// shows "Read by the visitor" on the replies the widget showed (a "read" event). Loaded once
// however often htmx swaps a page that includes it in.
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

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function chatPage() {
    var line = document.getElementById("chat-visitor-typing");
    return line && line.getAttribute("data-read-url") ? line : null;
  }

  function markSeen() {
    var line = chatPage();
    if (!line || document.hidden) return;
    fetch(line.getAttribute("data-read-url"), {
      method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }
    }).catch(function () { /* the next message or visit tries again */ });
  }

  function showRead(upto) {
    document.querySelectorAll("[data-chat-read]").forEach(function (mark) {
      if (Number(mark.getAttribute("data-chat-read")) <= upto) mark.hidden = false;
    });
  }

  document.addEventListener("visibilitychange", markSeen);
  document.addEventListener("htmx:afterSettle", markSeen);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markSeen);
  else markSeen();

  document.addEventListener("loket:live", function (ev) {
    var m = ev.detail || {};
    var page = chatPage();
    if (m.type === "read" && m.data && page && page.getAttribute("data-ticket") === String(m.data.ticket)) {
      showRead(Number(m.data.visitor) || 0);
    }
    if (m.type === "ticket" && m.data && m.data.message === "customer" && page &&
        page.getAttribute("data-ticket") === String(m.data.ticket)) {
      markSeen(); // the page is open and shows it (the timeline follows live)
    }
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
