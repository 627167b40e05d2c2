// Live SLA notifications for agents: a badge with the unread count, a short sound and a
// browser notification for each new one, and a presence heartbeat while the desk is open.
// Needs an element <span data-sla-unread data-url="/sla/notifications/"
//   data-heartbeat="/rota/presence/heartbeat/"></span> on the page; texts come translated
// from the server.
(function () {
  "use strict";
  var badge = document.querySelector("[data-sla-unread]");
  if (!badge) return;
  var url = badge.getAttribute("data-url");
  var heartbeatUrl = badge.getAttribute("data-heartbeat");
  var newest = null;

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
    var q = newest === null ? "" : "?after=" + newest;
    fetch(url + q, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        badge.textContent = data.unread ? String(data.unread) : "";
        badge.hidden = !data.unread;
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
    if (!heartbeatUrl || document.hidden) return;
    fetch(heartbeatUrl, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .catch(function () {});
  }

  badge.addEventListener("click", function () {
    if ("Notification" in window && Notification.permission === "default") Notification.requestPermission();
  });
  poll();
  heartbeat();
  setInterval(poll, 15000);
  setInterval(heartbeat, 60000);
})();
