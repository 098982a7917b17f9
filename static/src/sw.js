// Kefu's service worker: this build's static files from the precache, pages network-first
// with the last copy as the offline fallback, and an offline page for a page never kept.
// GET only: writes go through the outbox.
import { clientsClaim } from "workbox-core";
import { cleanupOutdatedCaches, PrecacheFallbackPlugin, precacheAndRoute } from "workbox-precaching";
import { NavigationRoute, registerRoute } from "workbox-routing";
import { NetworkFirst, NetworkOnly } from "workbox-strategies";

/* global __PRECACHE__, __BUILD_ID__ */
const PAGES = `kefu-pages-${__BUILD_ID__}`;
const PAGE_PREFIX = "kefu-pages-";
// Rendered by the server for whoever holds the tablet, no one signed in (app/main/routes.py).
const OFFLINE_PAGE = "/offline";

// A new release takes over at once: waiting changes and drafts live in IndexedDB, which
// both releases read, so nothing a user entered depends on the old worker.
self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
precacheAndRoute([...__PRECACHE__, { url: OFFLINE_PAGE, revision: __BUILD_ID__ }]);

// A page the device cannot fetch and never kept shows the offline page, not the browser's.
const offlinePage = new PrecacheFallbackPlugin({ fallbackURL: OFFLINE_PAGE });
// A redirect (to sign-in, say) is not the page asked for: keeping it under that page's
// address would open the sign-in page offline where the page should be.
const onlyThePage = {
  cacheWillUpdate: async ({ response }) => (response.ok && !response.redirected ? response : null),
};
const NEVER_KEPT = [/^\/sync\//, /^\/auth\//];
registerRoute(new NavigationRoute(new NetworkOnly({ plugins: [offlinePage] }), { allowlist: NEVER_KEPT }));
registerRoute(
  new NavigationRoute(
    new NetworkFirst({ cacheName: PAGES, networkTimeoutSeconds: 3, plugins: [onlyThePage, offlinePage] }),
    { denylist: NEVER_KEPT },
  ),
);

async function cachePages(urls) {
  const cache = await caches.open(PAGES);
  await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(url, { credentials: "same-origin" });
      if (response.ok && !response.redirected) await cache.put(url, response);
    }),
  );
}

// The pages of the offline pack, cached while online so they open with the network gone.
self.addEventListener("message", (event) => {
  // A page that loaded while this worker was activating can miss its first claim.
  if (event.data?.type === "claim") {
    event.waitUntil(self.clients.claim());
    return;
  }
  if (event.data?.type !== "cache-pages") return;
  const reply = event.ports[0];
  event.waitUntil(
    cachePages(event.data.urls).then(
      () => reply?.postMessage({ ok: true }),
      (error) => reply?.postMessage({ ok: false, error: String(error) }),
    ),
  );
});

// Pages cached by an earlier release link to that release's files, which are gone now:
// fetch them again for this release (a worker is only ever installed online).
async function renewPages() {
  const old = (await caches.keys()).filter((name) => name.startsWith(PAGE_PREFIX) && name !== PAGES);
  for (const name of old) {
    const cache = await caches.open(name);
    const urls = (await cache.keys()).map((request) => request.url);
    await cachePages(urls).catch(() => {});
    await caches.delete(name);
  }
}

self.addEventListener("activate", (event) => event.waitUntil(renewPages()));

// Background Sync, where the browser has it: ask an open page to sync. The page holds
// the outbox logic; with no page open, the next start syncs instead.
self.addEventListener("sync", (event) => {
  if (event.tag !== "kefu-outbox") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((pages) => {
      for (const page of pages) page.postMessage({ type: "sync-now" });
    }),
  );
});
