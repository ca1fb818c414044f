// US Num Hub's service worker. It only shows code notifications for the
// Get Number page (Chrome on Android allows a notification only from a
// service worker) and brings that page back when one is tapped. It has
// no fetch handler: every request goes to the network as without it.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((pages) => {
      const page = pages.find((p) => new URL(p.url).pathname === "/get-number") || pages[0];
      return page ? page.focus() : self.clients.openWindow("/get-number");
    }),
  );
});
