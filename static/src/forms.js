// Offline-capable forms: a save goes to the outbox first and is confirmed at once; the
// server's own confirmation replaces it when the network allows. Drafts survive reloads.
// Records and photos are named on the device by time-ordered UUIDs (version 7): the
// server's indexes then grow at their end instead of being rewritten all over.
import { v7 as uuidv7 } from "uuid";
import { database, enqueue, recordsOf } from "./store.js";
import { afterChange, status, syncNow } from "./sync.js";
import { clockTime } from "./time.js";

const MAX_PHOTO_SIDE = 1600;
const NIL_ID = "00000000-0000-0000-0000-000000000000";

/** A photo made smaller on the device: at most 1600 px on its longer side, as JPEG. */
async function resized(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = new OffscreenCanvas(Math.round(bitmap.width * scale), Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
}

function argsOf(form) {
  const args = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "file" || element.type === "submit") continue;
    if ((element.type === "radio" || element.type === "checkbox") && !element.checked) continue;
    const value = element.value;
    args[element.name] = element.dataset.type === "integer" ? (value === "" ? null : Number(value)) : value;
  }
  return args;
}

function problem(form) {
  for (const element of form.querySelectorAll("[required]")) {
    if (!element.value.trim()) return element.dataset.requiredMessage;
  }
  const photos = form.querySelector("input[data-photos]");
  if (photos && photos.files.length > Number(photos.dataset.photos)) return photos.dataset.tooMany;
  return null;
}

async function saveDraft(form) {
  await (await database()).put("drafts", { form: form.dataset.draft, values: argsOf(form) });
}

async function restoreDraft(form) {
  const draft = await (await database()).get("drafts", form.dataset.draft);
  if (!draft) return;
  for (const [name, value] of Object.entries(draft.values)) {
    for (const element of form.querySelectorAll(`[name="${name}"]`)) {
      if (element.type === "radio") element.checked = element.value === value;
      else element.value = value ?? "";
    }
  }
}

async function submit(form) {
  const result = document.querySelector(form.dataset.result);
  const trouble = problem(form);
  if (trouble) {
    result.innerHTML = "";
    const message = document.createElement("p");
    message.className = "form-error";
    message.setAttribute("role", "alert");
    message.textContent = trouble;
    result.append(message);
    return;
  }
  const started = performance.now();
  const args = { id: uuidv7(), ...argsOf(form) };
  const photoInput = form.querySelector("input[data-photos]");
  const files = [...(photoInput?.files ?? [])];
  // Cleared at once, so whatever the user types next is not wiped by this save.
  form.reset();
  const photos = [];
  for (const file of files) {
    photos.push({ id: uuidv7(), blob: await resized(file), uploaded: false });
  }
  if (photoInput) args[photoInput.name] = photos.map((photo) => photo.id);
  await enqueue(form.dataset.mutation, args, photos);
  await (await database()).delete("drafts", form.dataset.draft);
  result.innerHTML = "";
  const saved = document.createElement("p");
  saved.className = "flash";
  saved.dataset.entry = args.id;
  saved.textContent = result.dataset.savedLocally;
  result.append(saved);
  document.body.dataset.lastSaveMs = String(Math.round(performance.now() - started));
  await afterChange();
  if (navigator.onLine && !(await status()).waiting) {
    // The server holds it now: show its own confirmation, as an online form would.
    window.htmx?.ajax("GET", form.dataset.savedUrl.replace(NIL_ID, args.id), { target: form.dataset.result });
  }
}

/** The user's entries of the day as this device knows them: synced ones, then waiting ones. */
async function renderList(list) {
  const kind = list.dataset.localList;
  const categories = JSON.parse(list.dataset.categories);
  const today = new Date().toDateString();
  const synced = (await recordsOf(kind)).map((record) => ({ ...record.data, id: record.id, waiting: false }));
  const waiting = (await (await database()).getAll("outbox"))
    .filter((mutation) => mutation.name === list.dataset.waitingFrom)
    .map((mutation) => ({ ...mutation.args, device_time: mutation.device_time, waiting: true }));
  const shown = new Set();
  const entries = [...waiting, ...synced]
    .filter((entry) => !shown.has(entry.id) && shown.add(entry.id))
    .filter((entry) => new Date(entry.device_time).toDateString() === today)
    .sort((a, b) => b.device_time.localeCompare(a.device_time));
  list.replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement("li");
      item.className = entry.waiting ? "waiting" : "synced";
      const when = document.createElement("time");
      when.textContent = clockTime(entry.device_time);
      const text = document.createElement("span");
      text.textContent = ` ${categories[entry.category] ?? ""} · ${entry.text}`;
      item.append(when, text);
      if (entry.waiting) {
        const mark = document.createElement("strong");
        mark.textContent = ` · ${list.dataset.waiting}`;
        item.append(mark);
      }
      return item;
    }),
  );
  if (!entries.length) list.textContent = list.dataset.empty;
}

function renderLists() {
  document.querySelectorAll("[data-local-list]").forEach(renderList);
}

export function startForms() {
  for (const form of document.querySelectorAll("form[data-mutation]")) {
    restoreDraft(form);
    form.addEventListener("input", () => saveDraft(form));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(form);
    });
  }
  renderLists();
  document.addEventListener("kefu:changed", renderLists);
}

export { syncNow };
