// What the desk's pages do with live messages (see live.js): fetch the changed piece of the
// page through its normal, access-checked view and put it in place. No framework, no inline
// script; texts come translated in the fetched HTML.
//
//  * inbox (<table id="ticket-list" data-live-rows>): changed tickets' rows are replaced,
//    new ones put on top (page one only), rows that left the view removed; view counts too.
//  * ticket page (<div id="timeline" data-live-url>): timeline and status line refreshed;
//    a note appears above the reply box when someone else answered meanwhile.
//  * every desk page: the unanswered counter (#unanswered-badge[data-live-url]).
//  * ticket page (<div id="presence" data-presence-url>): "Anna is viewing / typing",
//    with a heartbeat (POST, CSRF) while the page is open and while the agent types.
(function () {
  "use strict";
  var DEBOUNCE_MS = 60;
  var pendingRows = {};
  var rowsTimer = null;
  var timelineTimer = null;
  var badgeTimer = null;

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function fetchHtml(url, options) {
    var opts = options || {};
    opts.credentials = "same-origin";
    opts.headers = Object.assign({ "X-Requested-With": "fetch" }, opts.headers || {});
    return fetch(url, opts).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.text();
    }).then(function (text) {
      var box = document.createElement("template");
      box.innerHTML = text;
      return box.content;
    });
  }

  function flash(el) {
    el.classList.remove("live-new");
    void el.offsetWidth; // restart the animation
    el.classList.add("live-new");
  }

  // --- inbox rows ------------------------------------------------------------------------
  function refreshRows() {
    rowsTimer = null;
    var table = document.getElementById("ticket-list");
    var ids = Object.keys(pendingRows);
    pendingRows = {};
    if (!table || !ids.length) return;
    var url = table.getAttribute("data-live-rows");
    url += (url.indexOf("?") < 0 ? "?" : "&") + "ids=" + ids.slice(0, 50).join(",");
    fetchHtml(url).then(function (html) {
      var body = table.tBodies[0];
      ids.forEach(function (id) {
        var fresh = html.querySelector('tr[data-ticket="' + id + '"]');
        var old = body.querySelector('tr[data-ticket="' + id + '"]');
        if (fresh) {
          if (old && old.classList.contains("selected")) fresh.classList.add("selected");
          if (table.hasAttribute("data-live-insert")) {
            if (old) old.remove();
            body.insertBefore(fresh, body.firstChild);
          } else if (old) {
            old.replaceWith(fresh);
          } else {
            return;
          }
          flash(fresh);
        } else if (old) {
          old.remove();
        }
      });
      var empty = body.querySelector("tr[data-empty]");
      if (empty && body.querySelector("tr[data-ticket]")) empty.remove();
      var views = html.querySelector("[data-inbox-views]");
      var current = document.querySelector("[data-inbox-views]");
      if (views && current) current.replaceWith(views);
    }).catch(function () { /* the next change tries again */ });
  }

  function queueRow(ticket) {
    if (!document.getElementById("ticket-list")) return;
    pendingRows[ticket] = true;
    if (!rowsTimer) rowsTimer = setTimeout(refreshRows, DEBOUNCE_MS);
  }

  // --- ticket page -----------------------------------------------------------------------
  function refreshTimeline() {
    timelineTimer = null;
    var box = document.getElementById("timeline");
    if (!box) return;
    var url = box.getAttribute("data-live-url");
    var seen = document.querySelector('#reply-form input[name="seen_event"]');
    if (seen) url += "?seen=" + encodeURIComponent(seen.value);
    fetchHtml(url).then(function (html) {
      var current = document.getElementById("timeline");
      var fresh = html.getElementById("timeline");
      if (!current || !fresh || current.getAttribute("data-live-url") !== box.getAttribute("data-live-url")) return;
      var known = {};
      current.querySelectorAll("[id^=m]").forEach(function (el) { known[el.id] = true; });
      current.innerHTML = fresh.innerHTML;
      current.querySelectorAll("article[id^=m]").forEach(function (el) { if (!known[el.id]) flash(el); });
      var head = html.getElementById("ticket-head");
      var oldHead = document.getElementById("ticket-head");
      if (head && oldHead) oldHead.replaceWith(head);
      var note = html.getElementById("live-collision");
      var slot = document.getElementById("live-collision");
      if (slot) {
        slot.textContent = note ? note.textContent : "";
        slot.hidden = !note;
      }
    }).catch(function () {});
  }

  function onTicketEvent(data) {
    queueRow(data.ticket);
    var box = document.getElementById("timeline");
    if (box && box.getAttribute("data-ticket") === String(data.ticket) && !timelineTimer) {
      timelineTimer = setTimeout(refreshTimeline, DEBOUNCE_MS);
    }
    scheduleBadge();
  }

  // --- unanswered counter ----------------------------------------------------------------
  function refreshBadge() {
    badgeTimer = null;
    var badge = document.getElementById("unanswered-badge");
    if (!badge) return;
    fetchHtml(badge.getAttribute("data-live-url")).then(function (html) {
      var fresh = html.getElementById("unanswered-badge");
      var current = document.getElementById("unanswered-badge");
      if (fresh && current) current.replaceWith(fresh);
    }).catch(function () {});
  }

  function scheduleBadge() {
    if (!badgeTimer) badgeTimer = setTimeout(refreshBadge, 250);
  }

  // --- presence --------------------------------------------------------------------------
  var HEARTBEAT_MS = 10000;
  var TYPING_EVERY_MS = 3000;
  var TYPING_IDLE_MS = 4000;
  var here = null; // {ticket, url}
  var heartbeatTimer = null;
  var refreshTimer = null;
  var typingSince = 0;
  var typingIdle = null;

  function showPresence(html) {
    var bar = document.getElementById("presence");
    if (!bar || !here || bar.getAttribute("data-ticket") !== here.ticket) return;
    var list = html.querySelector(".presence-list");
    bar.replaceChildren.apply(bar, Array.prototype.slice.call(html.childNodes));
    clearTimeout(refreshTimer);
    var wait = list ? parseInt(list.getAttribute("data-refresh-in"), 10) : 0;
    if (wait > 0) refreshTimer = setTimeout(askPresence, wait * 1000);
  }

  function sendPresence(state) {
    if (!here) return;
    var body = new FormData();
    body.append("state", state);
    fetchHtml(here.url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf() } })
      .then(showPresence).catch(function () {});
  }

  function askPresence() {
    if (here) fetchHtml(here.url).then(showPresence).catch(function () {});
  }

  function leave() {
    if (!here) return;
    var body = new FormData();
    body.append("state", "left");
    body.append("csrfmiddlewaretoken", csrf());
    if (navigator.sendBeacon) navigator.sendBeacon(here.url, body);
    here = null;
    clearInterval(heartbeatTimer);
    clearTimeout(refreshTimer);
  }

  function onTyping() {
    var now = Date.now();
    if (now - typingSince > TYPING_EVERY_MS) {
      typingSince = now;
      sendPresence("typing");
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(function () { typingSince = 0; sendPresence("viewing"); }, TYPING_IDLE_MS);
  }

  function watchPage() {
    // Presence goes with the live stream: without one (a WSGI server) the page stays quiet.
    var live = document.querySelector("[data-live-stream]");
    var bar = live ? document.getElementById("presence") : null;
    var ticket = bar ? bar.getAttribute("data-ticket") : null;
    if (here && here.ticket !== ticket) leave();
    if (!bar) return;
    if (!here) {
      here = { ticket: ticket, url: bar.getAttribute("data-presence-url") };
      sendPresence("viewing");
      heartbeatTimer = setInterval(function () {
        if (!document.hidden) sendPresence(typingSince ? "typing" : "viewing");
      }, HEARTBEAT_MS);
    } else {
      askPresence(); // the page was drawn again (a reply sent): fill its empty bar
    }
    var reply = document.getElementById("reply-body");
    if (reply && !reply.hasAttribute("data-live-typing")) {
      reply.setAttribute("data-live-typing", "");
      reply.addEventListener("input", onTyping);
    }
  }

  // --- wiring ----------------------------------------------------------------------------
  document.addEventListener("loket:live", function (ev) {
    var m = ev.detail || {};
    if (m.type === "ticket" && m.data) {
      onTicketEvent(m.data);
    } else if (m.type === "presence" && m.data && here && String(m.data.ticket) === here.ticket) {
      askPresence();
    } else if (m.type === "reset") {
      // Too much changed at once to follow one by one: show the page afresh.
      var search = document.getElementById("search");
      if (document.getElementById("ticket-list") && document.activeElement !== search) {
        window.location.reload();
        return;
      }
      if (document.getElementById("timeline")) refreshTimeline();
      scheduleBadge();
    }
  });
  document.addEventListener("htmx:afterSettle", watchPage);
  window.addEventListener("pagehide", leave);
  watchPage();
})();
