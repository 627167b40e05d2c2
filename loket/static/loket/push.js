/* The desk as an installed app: registers the service worker (/sw.js, whole-site scope) and,
   on the notification settings page (#push), switches Web Push on or off for this device. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  var registering = navigator.serviceWorker.register("/sw.js", { scope: "/" });

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body)
    }).then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); });
  }

  function setUp(box) {
    var on = document.getElementById("push-on"), off = document.getElementById("push-off");
    var state = document.getElementById("push-state");
    function show(subscribed, text) {
      on.hidden = subscribed; off.hidden = !subscribed;
      state.textContent = text || box.getAttribute(subscribed ? "data-on" : "data-off");
      box.setAttribute("data-subscribed", subscribed ? "1" : "0");
    }
    registering.then(function () { return navigator.serviceWorker.ready; }).then(function (reg) {
      box.hidden = false;
      return reg.pushManager.getSubscription().then(function (sub) { show(!!sub); return reg; });
    }).then(function (reg) {
      on.addEventListener("click", function () {
        on.disabled = true;
        Notification.requestPermission().then(function (answer) {
          if (answer !== "granted") { throw new Error("denied"); }
          return reg.pushManager.subscribe({
            userVisibleOnly: true, applicationServerKey: keyBytes(box.getAttribute("data-key"))
          });
        }).then(function (sub) {
          return post(box.getAttribute("data-subscribe"), sub.toJSON());
        }).then(function () { show(true); }).catch(function (err) {
          show(false, box.getAttribute(err && err.message === "denied" ? "data-denied" : "data-failed"));
        }).then(function () { on.disabled = false; });
      });
      off.addEventListener("click", function () {
        off.disabled = true;
        reg.pushManager.getSubscription().then(function (sub) {
          if (!sub) { return null; }
          var endpoint = sub.endpoint;
          return sub.unsubscribe().then(function () {
            return post(box.getAttribute("data-unsubscribe"), { endpoint: endpoint });
          });
        }).then(function () { show(false); }).catch(function () {
          show(true, box.getAttribute("data-failed"));
        }).then(function () { off.disabled = false; });
      });
    }).catch(function () {
      var note = document.getElementById("push-unsupported");
      if (note) { note.hidden = false; }
    });
  }

  function init() {
    var box = document.getElementById("push");
    if (!box || box.getAttribute("data-ready")) { return; }
    box.setAttribute("data-ready", "1");
    if ("PushManager" in window) { setUp(box); }
    else { document.getElementById("push-unsupported").hidden = false; }
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);  /* boosted navigation */
})();
