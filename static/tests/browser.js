// The little of a browser that store.js and sync.js use beyond what Node 20 has itself
// (fetch, crypto, Blob, EventTarget, CustomEvent, BroadcastChannel): IndexedDB from
// fake-indexeddb, and plain stand-ins for the rest. Import it before them.
import "fake-indexeddb/auto";

// An open channel keeps Node running after the tests, unlike a tab that closes.
const NodeBroadcastChannel = globalThis.BroadcastChannel;
globalThis.BroadcastChannel = class extends NodeBroadcastChannel {
  constructor(name) {
    super(name);
    this.unref();
  }
};

const stored = new Map();
globalThis.localStorage = {
  getItem: (key) => stored.get(key) ?? null,
  setItem: (key, value) => stored.set(key, String(value)),
  removeItem: (key) => stored.delete(key),
  clear: () => stored.clear(),
};

/** The page's <body>: the CSRF token in hx-headers and the messages in data-*, as base.html has them. */
class Body extends EventTarget {
  dataset = { networkDown: "网络不通", signInAgain: "请重新登录" };
  attributes = { "hx-headers": JSON.stringify({ "X-CSRFToken": "csrf-token" }) };
  getAttribute(name) {
    return this.attributes[name] ?? null;
  }
}

globalThis.document = Object.assign(new EventTarget(), { body: new Body(), visibilityState: "visible" });
globalThis.window = new EventTarget();
// Node 21 and later have a navigator of their own, without these.
Object.defineProperty(globalThis, "navigator", {
  configurable: true,
  writable: true,
  value: {
    onLine: true,
    // This tab is granted every lock at once: it is the only one.
    locks: { request: (_name, callback) => callback() },
  },
});
