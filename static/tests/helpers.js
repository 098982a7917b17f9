// What the tests of the device's store and sync loop share: an empty device before each
// test, and a server that answers fetch() as sync/PROTOCOL.md says.
import "./browser.js";
import { database } from "../src/store.js";

/** Forget everything the device holds, as on a fresh install. */
export async function emptyDevice() {
  const db = await database();
  for (const name of db.objectStoreNames) await db.clear(name);
  localStorage.clear();
}

function json(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/**
 * The sync API of one property, in memory, installed as globalThis.fetch.
 *
 * It keeps each client's last_mutation_id and answers duplicates, gaps and rejections as the
 * real one does. Tests set `reject` (mutation id -> reason), `changes`, `reset`, or
 * `down` (every request fails as with no network), or replace a route in `routes`, and
 * read `requests` to see what the device sent.
 */
export class FakeServer {
  constructor() {
    this.requests = [];
    this.routes = {
      "POST /sync/token": (request) => this.issueToken(request),
      "POST /sync/push": (request) => this.push(request),
      "POST /sync/pull": (request) => this.pull(request),
      "GET /handover/pins": () => json(200, { users: this.pins }),
    };
    this.pins = [];
    this.tokensIssued = 0;
    this.validToken = null;
    this.lastMutationId = new Map();
    this.applied = [];
    this.reject = new Map();
    this.changes = [];
    this.reset = false;
    this.version = 0;
    this.down = false;
    this.photos = new Map();
    globalThis.fetch = (url, init) => this.fetch(url, init);
  }

  /** The requests sent to one route, e.g. "POST /sync/push", their JSON bodies parsed. */
  sent(route) {
    return this.requests.filter((request) => request.route === route);
  }

  async fetch(url, { method = "GET", headers = {}, body } = {}) {
    if (this.down) throw new TypeError("Failed to fetch");
    const path = new URL(url, "http://127.0.0.1").pathname;
    const isPhoto = method === "PUT" && path.startsWith("/sync/attachments/");
    const route = isPhoto ? "PUT /sync/attachments" : `${method} ${path}`;
    const request = { route, path, headers, body: typeof body === "string" ? JSON.parse(body) : body };
    this.requests.push(request);
    if (route !== "POST /sync/token" && headers.Authorization !== `Bearer ${this.validToken}`) {
      return json(401, { error: "unknown_token", message: "设备未登记" });
    }
    if (isPhoto) return this.storePhoto(request);
    const handle = this.routes[route];
    return handle ? handle(request) : json(404, { error: "not_found" });
  }

  issueToken({ headers }) {
    // Signed in by the session cookie, which a form's CSRF token must go with.
    if (headers["X-CSRFToken"] !== "csrf-token") return json(400, { error: "csrf" });
    this.tokensIssued += 1;
    this.validToken = `token-${this.tokensIssued}`;
    return json(200, { token: this.validToken, device_id: "device-1", user_id: 4, role: "floor_staff" });
  }

  push({ body }) {
    const last = this.lastMutationId.get(body.client_id) ?? 0;
    const ids = body.mutations.map((mutation) => mutation.id);
    if (ids.some((id, i) => i > 0 && id !== ids[i - 1] + 1)) {
      return json(400, { error: "invalid_request", message: "ids are not consecutive" });
    }
    if (ids.length && ids[0] > last + 1) {
      return json(409, { error: "mutation_gap", resume_from: last + 1, last_mutation_id: last });
    }
    const results = body.mutations.map((mutation) => {
      if (mutation.id <= last) return { id: mutation.id, status: "duplicate" };
      const reason = this.reject.get(mutation.id);
      if (reason) return { id: mutation.id, status: "rejected", reason, message: `refused: ${reason}` };
      this.applied.push(mutation);
      return { id: mutation.id, status: "applied" };
    });
    const newLast = Math.max(last, ...ids);
    this.lastMutationId.set(body.client_id, newLast);
    return json(200, { last_mutation_id: newLast, results });
  }

  pull({ body }) {
    this.version += 1;
    const reply = {
      cursor: `1.${this.version}.scope`,
      last_mutation_id: this.lastMutationId.get(body.client_id) ?? 0,
      reset: this.reset || body.cursor === null,
      must_refetch: this.reset,
      changes: this.changes,
    };
    this.changes = [];
    this.reset = false;
    return json(200, reply);
  }

  storePhoto({ path, headers, body }) {
    const id = path.split("/").pop();
    this.photos.set(id, { type: headers["Content-Type"], sha256: headers["X-Content-SHA256"], blob: body });
    return json(201, { id, stored: true });
  }
}
