// Kefu's own front-end code, bundled with its npm packages by scripts/build-assets.mjs.
import { startChip } from "./chip.js";
import { startForms } from "./forms.js";
import { startHeader } from "./header.js";
import { startOffline } from "./offline.js";
import { startSync } from "./sync.js";
import { startViews } from "./views.js";
// Every job's device code (static/src/jobs/*.js), gathered by the build.
import "kefu:jobs";

const DEVICE_KEY = "kefu.deviceId";

/** The id of this browser install, made here once so it exists before any network. */
function deviceId() {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

function fillDeviceIds(root) {
  root.querySelectorAll("input[data-device-id]").forEach((input) => {
    input.value = deviceId();
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
  startSync();
  startChip();
  startForms();
}
startViews();
