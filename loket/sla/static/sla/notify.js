// Live SLA notifications for agents: a badge with the unread count, a short sound and a
// browser notification for each new one, and a presence heartbeat while the desk is open.
// The count is fetched again when the live stream (live.js) announces a notification or
// (re)connects; only while there is no stream does the badge poll every 15 s.
// Needs an element <a href="/desk/notifications/" data-sla-unread data-url="/sla/notifications/"
//   data-heartbeat="/rota/presence/heartbeat/"> on the page (a link to the notification
// centre, where they are marked read; the first click asks for permission to show browser
// notifications); texts come translated from the server. Loaded on every page: after a boosted (htmx) sign-in the badge arrives without a
// page load, so the script starts when it first finds one, and looks it up again each time.
(function () {
  "use strict";
  var started = false;
  var newest = null;

  function badge() {
    return document.querySelector("[data-sla-unread]");
  }

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) return;
      var ctx = new Ctx();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.05;
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.15);
    } catch (e) { /* no sound is fine */ }
  }

  function show(item) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    var n = new Notification(document.title, { body: item.text, tag: "loket-" + item.id });
    if (item.ticket) {
      n.onclick = function () { window.focus(); window.location.href = "/desk/tickets/" + item.ticket + "/"; };
    }
  }

  function poll() {
    var el = badge();
    if (!el) return;
    var q = newest === null ? "" : "?after=" + newest;
    fetch(el.getAttribute("data-url") + q, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        var current = badge();
        if (!data || !current) return;
        var count = current.querySelector("[data-count]") || current;
        count.textContent = data.unread ? String(data.unread) : "";
        current.hidden = !data.unread;
        // Only the kinds the agent wants in the browser pop up and sound ("popup").
        var popups = data.items.filter(function (item) { return item.popup !== false; });
        if (newest !== null && popups.length) {
          beep();
          popups.slice().reverse().forEach(show);
        }
        if (data.items.length) newest = Math.max(newest || 0, data.items[0].id);
        else if (newest === null) newest = 0;
      })
      .catch(function () { /* try again next time */ });
  }

  function heartbeat() {
    var el = badge();
    var url = el && el.getAttribute("data-heartbeat");
    if (!url || document.hidden) return;
    fetch(url, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .catch(function () {});
  }

  function askPermission() {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  }

  // Binds a badge seen for the first time and counts for it at once; the polling and the
  // heartbeat start with the first badge.
  function start() {
    var el = badge();
    if (!el || el.hasAttribute("data-bound")) return;
    el.setAttribute("data-bound", "");
    el.addEventListener("click", askPermission);
    poll();
    if (started) return;
    started = true;
    heartbeat();
    setInterval(function () { if (!live()) poll(); }, 15000);
    setInterval(heartbeat, 60000);
  }

  function live() {
    return document.documentElement.getAttribute("data-live") === "open";
  }

  document.addEventListener("loket:live", function (ev) {
    if (ev.detail && ev.detail.type === "notification") poll();
  });
  document.addEventListener("loket:live-state", function (ev) {
    if (ev.detail === "open") poll();
  });

  start();
  document.addEventListener("htmx:afterSettle", function () {
    start();
    // Marking read on the notification centre updates the count at once.
    if (document.getElementById("notification-list")) poll();
  });
})();
