// The desk's chat view: when the live stream (live.js) says a chat ticket changed, fetch the
// list's rows again (and the chosen conversation beside it, #chat-pane, answered there; a
// sound on a new chat or message when the agent switched it on); a "chat" event marks the visitor as typing for a few seconds, in the list
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

  function unreadCounts(list) {
    var counts = {};
    list.querySelectorAll("tr[data-ticket]").forEach(function (tr) {
      counts[tr.getAttribute("data-ticket")] = Number(tr.getAttribute("data-unread-count")) || 0;
    });
    return counts;
  }

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
        var before = unreadCounts(list);
        if (body && list.tBodies[0]) list.tBodies[0].replaceWith(body);
        var after = unreadCounts(list);
        // a new chat, or more unread in one: the sound, when the agent switched it on
        if (Object.keys(after).some(function (id) { return after[id] > (before[id] || 0); })) ding();
        Object.keys(typing).forEach(showTyping);
        markSelected();
      }).catch(function () { /* the next change tries again */ });
  }

  // --- the chosen conversation beside the list (#chat-pane) ---------------------------
  var paneTimer = null;
  var audio = null;

  function pane() { return document.getElementById("chat-pane"); }

  function markSelected() {
    var list = table(), box = pane();
    if (!list) return;
    var open = box && box.getAttribute("data-ticket");
    list.querySelectorAll("tr[data-ticket]").forEach(function (tr) {
      var chosen = tr.getAttribute("data-ticket") === open;
      tr.classList.toggle("selected", chosen);
      if (chosen) tr.setAttribute("aria-current", "true"); else tr.removeAttribute("aria-current");
    });
  }

  function swapPane(text, keepDraft) {
    var box = document.createElement("template");
    box.innerHTML = text;
    var fresh = box.content.querySelector("#chat-pane"), old = pane();
    if (!fresh || !old) return;
    var draft = old.querySelector("#chat-pane-body"), input = fresh.querySelector("#chat-pane-body");
    var focused = draft && document.activeElement === draft;
    if (keepDraft && draft && input && old.getAttribute("data-ticket") === fresh.getAttribute("data-ticket")) {
      input.value = draft.value; // a live update does not take away what the agent is typing
    }
    old.replaceWith(fresh);
    if (focused && input) input.focus();
    var log = fresh.querySelector(".chat-log");
    if (log) log.scrollTop = log.scrollHeight;
    Object.keys(typing).forEach(showTyping);
    markSelected();
    markSeen();
  }

  function loadPane(url, keepDraft) {
    paneTimer = null;
    return fetch(url, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (text) { swapPane(text, keepDraft); })
      .catch(function () { /* the next change tries again */ });
  }

  function ding() {
    var box = document.getElementById("chat-sound");
    if (!box || !box.checked) return; // (once per refresh of the list: a burst is one sound)
    audio = audio || new Audio(box.getAttribute("data-sound-file"));
    audio.currentTime = 0;
    var played = audio.play();
    if (played && played.catch) played.catch(function () { /* no sound device, or not yet allowed */ });
    document.dispatchEvent(new CustomEvent("loket:chat-sound"));
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-open]");
    if (!link || !pane() || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
    ev.preventDefault();
    history.replaceState(null, "", "?open=" + link.getAttribute("data-open"));
    loadPane(link.getAttribute("data-pane-url"), false).then(function () {
      var box = pane(), input = box && box.querySelector("#chat-pane-body");
      if (box && window.innerWidth < 1000) box.scrollIntoView();
      if (input) input.focus();
    });
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form || form.id !== "chat-pane-form") return;
    ev.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST", credentials: "same-origin", body: new FormData(form),
      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" }
    }).then(function (r) { return r.text(); })
      .then(function (text) { swapPane(text, false); })
      .catch(function () { if (button) button.disabled = false; });
  });

  document.addEventListener("change", function (ev) {
    var box = ev.target;
    if (!box || box.id !== "chat-sound") return;
    var body = new FormData();
    body.append("on", box.checked ? "1" : "0");
    fetch(box.getAttribute("data-sound-url"), {
      method: "POST", credentials: "same-origin", body: body, headers: { "X-CSRFToken": csrf() }
    }).catch(function () { /* kept for this page; saved with the next change */ });
    if (box.checked) { audio = audio || new Audio(box.getAttribute("data-sound-file")); audio.load(); }
  });

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

  // How far the visitor has read, per ticket, as the live stream last said: a read that
  // arrives while the page is being drawn again (after a reply) is applied to the new page too.
  var readUpto = {};

  function showRead(upto) {
    document.querySelectorAll("[data-chat-read]").forEach(function (mark) {
      if (Number(mark.getAttribute("data-chat-read")) <= upto) mark.hidden = false;
    });
  }

  document.addEventListener("htmx:afterSettle", function () {
    var page = chatPage();
    var upto = page && readUpto[page.getAttribute("data-ticket")];
    if (upto) showRead(upto);
  });

  document.addEventListener("visibilitychange", markSeen);
  document.addEventListener("htmx:afterSettle", markSeen);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", markSeen);
  else markSeen();

  document.addEventListener("loket:live", function (ev) {
    var m = ev.detail || {};
    var page = chatPage();
    if (m.type === "read" && m.data && page && page.getAttribute("data-ticket") === String(m.data.ticket)) {
      var ticket = String(m.data.ticket), upto = Number(m.data.visitor) || 0;
      readUpto[ticket] = Math.max(readUpto[ticket] || 0, upto);
      showRead(readUpto[ticket]);
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
    var open = pane() && pane().getAttribute("data-pane-url");
    if (open && (m.type === "reset" || (m.type === "ticket" && m.data &&
        pane().getAttribute("data-ticket") === String(m.data.ticket)))) {
      clearTimeout(paneTimer);
      paneTimer = setTimeout(function () { loadPane(open, true); }, 80);
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
