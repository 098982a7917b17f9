// The device side of sync/PROTOCOL.md: photos, then the outbox, then a pull, whenever the
// network allows. One tab leads (Web Locks); the others ask it and follow its news.
import { database, getClientId, getMeta, setMeta } from "./store.js";

const BATCH = 100;
const EVERY_MS = 30_000;
const MAX_BACKOFF_MS = 5 * 60_000;
const channel = new BroadcastChannel("kefu-sync");

let leader = false;
let running = false;
let again = false;
let failures = 0;
let timer;

class SyncError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

function csrfToken() {
  return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
}

async function token(renew = false) {
  const deviceId = localStorage.getItem("kefu.deviceId");
  const held = await getMeta("token");
  if (held && !renew && (await getMeta("tokenDevice")) === deviceId) return held;
  const response = await fetch("/sync/token", {
    method: "POST",
    headers: { "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
    redirect: "manual",
  });
  if (!response.ok) throw new SyncError("signed_out", document.body.dataset.signInAgain);
  const body = await response.json();
  await setMeta("token", body.token);
  await setMeta("tokenDevice", body.device_id);
  return body.token;
}

async function send(method, url, body, headers = {}, renewed = false) {
  const persisted = await getMeta("storagePersisted", null);
  const response = await fetch(url, {
    method,
    body,
    headers: {
      Authorization: `Bearer ${await token()}`,
      // The office sees per device whether the browser promised to keep its data.
      ...(persisted === null ? {} : { "X-Storage-Persisted": String(persisted) }),
      ...headers,
    },
  });
  if (response.status === 401 && !renewed) {
    await token(true);
    return send(method, url, body, headers, true);
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw new SyncError(problem.error || `http_${response.status}`, problem.message);
  }
  return response.status === 204 ? null : response.json();
}

const postJson = (url, body) => send("POST", url, JSON.stringify(body), { "Content-Type": "application/json" });

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

async function uploadPhotos() {
  const db = await database();
  for (const photo of await db.getAll("photos")) {
    if (photo.uploaded) continue;
    await send("PUT", `/sync/attachments/${photo.id}`, photo.blob, {
      "Content-Type": photo.blob.type,
      "X-Content-SHA256": await sha256(photo.blob),
    });
    // The bytes have arrived: only the note that they did stays on the device.
    await db.put("photos", { id: photo.id, uploaded: true });
  }
}

async function settle(batch, reply) {
  const db = await database();
  const tx = db.transaction(["outbox", "refused"], "readwrite");
  const byId = new Map(batch.map((mutation) => [mutation.id, mutation]));
  for (const result of reply.results) {
    if (result.status === "rejected") {
      // Kept until the user copies or discards it, on purpose.
      await tx.objectStore("refused").put({ ...byId.get(result.id), reason: result.reason, message: result.message });
    }
  }
  await tx.objectStore("outbox").delete(IDBKeyRange.upperBound(reply.last_mutation_id));
  await tx.done;
}

async function push(clientId) {
  const db = await database();
  for (;;) {
    const batch = await db.getAll("outbox", null, BATCH);
    if (!batch.length) return;
    const mutations = batch.map(({ id, name, args, device_time, acting_user_id }) =>
      acting_user_id === undefined ? { id, name, args, device_time } : { id, name, args, device_time, acting_user_id },
    );
    const reply = await postJson("/sync/push", { client_id: clientId, schema_version: 1, mutations });
    await settle(batch, reply);
  }
}

/** Take the server's changes since the cursor; also drops from the outbox what it applied. */
export async function pull(clientId) {
  const reply = await postJson("/sync/pull", { client_id: clientId, cursor: await getMeta("cursor", null) });
  const db = await database();
  const tx = db.transaction(["records", "meta", "outbox"], "readwrite");
  const records = tx.objectStore("records");
  if (reply.reset) await records.clear();
  for (const change of reply.changes) {
    if (change.op === "put") await records.put({ kind: change.kind, id: change.id, data: change.data });
    else await records.delete([change.kind, change.id]);
  }
  // The server applied these even if a push's reply was lost on the way.
  await tx.objectStore("outbox").delete(IDBKeyRange.upperBound(reply.last_mutation_id));
  await tx.objectStore("meta").put(reply.cursor, "cursor");
  await tx.done;
}

/** The colleagues who may take this tablet over offline, and a fresh count of PIN tries. */
async function pullPins() {
  const reply = await send("GET", "/handover/pins");
  await setMeta("pins", reply.users);
  await setMeta("pinFailures", 0);
}

async function syncOnce() {
  const clientId = await getClientId();
  await uploadPhotos();
  await push(clientId);
  await pull(clientId);
  await pullPins();
  await setMeta("lastSyncAt", Date.now());
  await setMeta("lastError", null);
}

/** How things stand on this device, for the chip and the queue. */
export async function status() {
  const db = await database();
  return {
    waiting: await db.count("outbox"),
    refused: await db.count("refused"),
    lastSyncAt: await getMeta("lastSyncAt", null),
    lastError: await getMeta("lastError", null),
    syncing: leader && running,
  };
}

function announce() {
  document.dispatchEvent(new CustomEvent("kefu:changed"));
  channel.postMessage({ type: "changed" });
}

async function runAsLeader() {
  clearTimeout(timer);
  if (running) {
    // A change saved while this sync was past the push: it goes right after, not at the
    // next tick.
    again = true;
    return;
  }
  running = true;
  again = false;
  let retryIn = EVERY_MS;
  try {
    if (!navigator.onLine) return;
    await syncOnce();
    failures = 0;
    document.body.dispatchEvent(new CustomEvent("kefu:synced", { bubbles: true }));
  } catch (error) {
    failures += 1;
    const reason = error instanceof SyncError ? error.message : document.body.dataset.networkDown;
    await setMeta("lastError", reason);
    const backoff = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures);
    retryIn = backoff * (0.5 + Math.random());
  } finally {
    running = false;
    announce();
    const waiting = (await status()).waiting;
    if (again && !failures) timer = setTimeout(runAsLeader, 0);
    else if (waiting || failures) timer = setTimeout(runAsLeader, retryIn);
  }
}

/** Sync as soon as possible: here if this tab leads, else by asking the tab that does. */
export function syncNow() {
  if (leader) return runAsLeader();
  channel.postMessage({ type: "sync-now" });
  return Promise.resolve();
}

export function afterChange() {
  announce();
  // Where the browser has Background Sync it may wake the worker once online even if
  // this page is gone; the loop above does not rely on it.
  navigator.serviceWorker?.ready.then((registration) => registration.sync?.register("kefu-outbox")).catch(() => {});
  return syncNow();
}

export function startSync() {
  channel.addEventListener("message", (event) => {
    if (event.data.type === "sync-now" && leader) runAsLeader();
    if (event.data.type === "changed") {
      document.dispatchEvent(new CustomEvent("kefu:changed"));
      if (leader) runAsLeader();
    }
  });
  navigator.locks.request("kefu-sync-leader", () => {
    leader = true;
    runAsLeader();
    window.addEventListener("online", runAsLeader);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") runAsLeader();
    });
    return new Promise(() => {}); // held for the life of the tab
  });
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type === "sync-now") syncNow();
  });
  navigator.storage?.persist?.().then((granted) => setMeta("storagePersisted", granted));
}
