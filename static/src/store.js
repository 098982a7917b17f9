// What the device keeps in IndexedDB: the outbox, refused changes, the data of its scope,
// photos, drafts, and sync state. Bump VERSION and add an upgrade step to change it.
import { openDB } from "idb";

const NAME = "kefu";
const VERSION = 1;

let opened;

export function database() {
  opened ??= openDB(NAME, VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore("meta");
        db.createObjectStore("outbox", { keyPath: "id" });
        db.createObjectStore("refused", { keyPath: "id" });
        db.createObjectStore("records", { keyPath: ["kind", "id"] }).createIndex("kind", "kind");
        db.createObjectStore("photos", { keyPath: "id" });
        db.createObjectStore("drafts", { keyPath: "form" });
      }
    },
  });
  return opened;
}

export async function getMeta(key, fallback = undefined) {
  const value = await (await database()).get("meta", key);
  return value === undefined ? fallback : value;
}

export async function setMeta(key, value) {
  await (await database()).put("meta", value, key);
}

/** The outbox's id, made on first use in the transaction of this meta store. */
async function clientIdIn(meta) {
  let id = await meta.get("clientId");
  if (!id) {
    id = crypto.randomUUID();
    await meta.put(id, "clientId");
  }
  return id;
}

export async function getClientId() {
  const tx = (await database()).transaction("meta", "readwrite");
  const id = await clientIdIn(tx.objectStore("meta"));
  await tx.done;
  return id;
}

/** Put a change in the outbox under the next mutation id; resolves once it is stored. */
/**
 * Put a change in the outbox under the next mutation id; resolves once it is stored.
 * `actingUserId` is who made it, on a tablet that people hand over (sync/PROTOCOL.md).
 */
export async function enqueue(name, args, photos = [], actingUserId = null) {
  const db = await database();
  const tx = db.transaction(["meta", "outbox", "photos"], "readwrite");
  try {
    const meta = tx.objectStore("meta");
    await clientIdIn(meta);
    const id = (await meta.get("nextMutationId")) ?? 1;
    await meta.put(id + 1, "nextMutationId");
    for (const photo of photos) await tx.objectStore("photos").put(photo);
    const mutation = { id, name, args, device_time: new Date().toISOString(), saved_at: Date.now() };
    if (actingUserId !== null) mutation.acting_user_id = actingUserId;
    await tx.objectStore("outbox").put(mutation);
    await tx.done;
    return mutation;
  } catch (error) {
    abandon(tx);
    throw error;
  }
}

/** Undo what a transaction wrote. A put that throws (a value IndexedDB cannot store)
 * leaves the transaction to commit the writes before it unless it is aborted. */
function abandon(tx) {
  tx.done.catch(() => {});
  try {
    tx.abort();
  } catch {
    // It had ended already, aborted by the failed request.
  }
}

export async function all(store) {
  return (await database()).getAll(store);
}

export async function recordsOf(kind) {
  return (await database()).getAllFromIndex("records", "kind", kind);
}
