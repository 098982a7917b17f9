// The offline side of every page: the service worker, the offline pack, and the
// "offline · data as of" notice.

const PACKED_KEY = "kefu.offlinePack";
const REPACK_AFTER_MS = 10 * 60 * 1000;

function offlinePages() {
  try {
    return JSON.parse(document.body.dataset.offlinePages || "[]");
  } catch {
    return [];
  }
}

/** Ask the worker to keep this role's pages, unless it did so for them recently. */
async function cacheOfflinePack(registration) {
  const pages = offlinePages();
  if (!pages.length || !navigator.onLine) return;
  const marker = JSON.stringify({ pages, worker: registration.active?.scriptURL });
  const packed = JSON.parse(localStorage.getItem(PACKED_KEY) || "null");
  if (packed && packed.marker === marker && Date.now() - packed.at < REPACK_AFTER_MS) return;
  const worker = registration.active;
  if (!worker) return;
  const channel = new MessageChannel();
  const answer = new Promise((resolve) => {
    channel.port1.onmessage = (event) => resolve(event.data);
  });
  worker.postMessage({ type: "cache-pages", urls: pages }, [channel.port2]);
  const reply = await answer;
  if (reply.ok) localStorage.setItem(PACKED_KEY, JSON.stringify({ marker, at: Date.now() }));
  document.dispatchEvent(new CustomEvent("kefu:offline-pack", { detail: reply }));
}

function showNetworkStatus() {
  const status = document.getElementById("network-status");
  if (!status) return;
  status.hidden = navigator.onLine;
  status.textContent = status.dataset.offlineText.replace("{time}", document.body.dataset.renderedAt);
}

export function startOffline() {
  showNetworkStatus();
  window.addEventListener("online", showNetworkStatus);
  window.addEventListener("offline", showNetworkStatus);
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("/sw.js", { scope: "/" })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      // Uncontrolled, this page would not open again offline: have the worker take it.
      if (!navigator.serviceWorker.controller) registration.active?.postMessage({ type: "claim" });
      return cacheOfflinePack(registration);
    })
    .catch((error) => console.warn("service worker:", error));
}
