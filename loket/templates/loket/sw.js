/* Loket's service worker: Web Push notifications (loket/sla/push.py). It caches nothing. */
"use strict";
var ICON = {{ icon|safe }};
var BADGE = {{ badge|safe }};

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = data.title || "Loket";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    tag: data.tag || undefined,
    icon: ICON,
    badge: BADGE,
    data: { url: data.url || "/desk/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/desk/", self.location.origin);
  if (target.origin !== self.location.origin) { target = new URL("/desk/", self.location.origin); }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      if (list[i].url === target.href && "focus" in list[i]) { return list[i].focus(); }
    }
    return self.clients.openWindow(target.href);
  }));
});

self.addEventListener("pushsubscriptionchange", function (event) {
  /* The browser renewed the subscription: the agent turns push on again from the settings. */
});
