// Kefu's own front-end code, bundled with its npm packages by scripts/build-assets.mjs.
import { startChip } from "./chip.js";
import { startForms } from "./forms.js";
import { startHeader } from "./header.js";
import { startHolder } from "./holder.js";
import { startOffline } from "./offline.js";
import { startScanners } from "./scanner.js";
import { getMeta } from "./store.js";
import { startSync } from "./sync.js";
import { startViews } from "./views.js";
// Every job's device code (static/src/jobs/*.js), gathered by the build.
import "kefu:jobs";

const DEVICE_KEY = "kefu.deviceId";
const SECRET_KEY = "kefu.deviceSecret";

/** A value this browser install makes once and keeps, so it exists before any network. */
function kept(key, make) {
  let value = localStorage.getItem(key);
  if (!value) {
    value = make();
    localStorage.setItem(key, value);
  }
  return value;
}

function randomSecret() {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

// The id names this install; the secret proves it, so that an id seen elsewhere (a
// device list, a log) claims nothing.
function fillDeviceIds(root) {
  root.querySelectorAll("input[data-device-id]").forEach((input) => {
    input.value = kept(DEVICE_KEY, () => crypto.randomUUID());
  });
  root.querySelectorAll("input[data-device-secret]").forEach((input) => {
    input.value = kept(SECRET_KEY, randomSecret);
  });
}

document.addEventListener("DOMContentLoaded", () => fillDeviceIds(document));
document.addEventListener("htmx:load", (event) => fillDeviceIds(event.target));

// Forms answer 422 with their fields marked: swap that in like a success.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 422) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

startHeader();
startOffline();
if (document.body.dataset.offlinePages && document.body.dataset.offlinePages !== "[]") {
  startHolder();
  startSync();
  startChip();
  startForms();
} else {
  // A tablet nobody is signed in on still sends what its last holders saved.
  getMeta("token").then((token) => token && startSync());
  startHolder();
}
startViews();
startScanners();
