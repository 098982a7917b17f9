// Offline-capable forms: a save goes to the outbox first and is confirmed at once; the
// server's own confirmation replaces it when the network allows. Drafts survive reloads.
// Records and photos are named on the device by time-ordered UUIDs (version 7): the
// server's indexes then grow at their end instead of being rewritten all over.
import { v7 as uuidv7 } from "uuid";
import { holder } from "./holder.js";
import { chosenPhotos, resized, startPhotoCapture } from "./photos.js";
import { database, enqueue } from "./store.js";
import { afterChange, status, syncNow } from "./sync.js";

const NIL_ID = "00000000-0000-0000-0000-000000000000";

// A job's checks of a whole change against what the device holds (a room already taken),
// by the name a form gives in data-check: each resolves to a message, or null if none.
const formChecks = new Map();

/** Check the changes of forms with `data-check="name"` before they enter the outbox. */
export function defineFormCheck(name, check) {
  formChecks.set(name, check);
}

function argsOf(form) {
  const args = {};
  for (const element of form.elements) {
    if (!element.name || element.type === "file" || element.type === "submit") continue;
    if ((element.type === "radio" || element.type === "checkbox") && !element.checked) continue;
    const value = element.value;
    // Checkboxes that share a name (data-list) give the list of those ticked.
    if ("list" in element.dataset) args[element.name] = [...(args[element.name] ?? []), value];
    else args[element.name] = element.dataset.type === "integer" ? (value === "" ? null : Number(value)) : value;
  }
  return args;
}

// The checks of the server's schema, rendered into each control (app/forms.py rules_of):
// a change the server would refuse never enters the outbox.
function controlProblem(control, form) {
  const rules = control.dataset;
  if ("photos" in rules) {
    return chosenPhotos(control).length > Number(rules.maxCount) ? rules.countMessage : null;
  }
  const value =
    control.type === "radio" ? (form.querySelector(`[name="${control.name}"]:checked`)?.value ?? "") : control.value;
  if (!value.trim()) return control.required ? rules.requiredMessage : null;
  // Counted as the server counts: in characters, not UTF-16 units.
  const length = [...value].length;
  const [minLength, maxLength, min, max] = ["minlength", "maxlength", "min", "max"].map((name) =>
    control.hasAttribute(name) ? Number(control.getAttribute(name)) : null,
  );
  if ((minLength !== null && length < minLength) || (maxLength !== null && length > maxLength)) {
    return rules.lengthMessage;
  }
  if (rules.type === "integer" && !/^-?\d+$/.test(value.trim())) return rules.integerMessage;
  if ((min !== null && Number(value) < min) || (max !== null && Number(value) > max)) return rules.rangeMessage;
  if (rules.choices && !JSON.parse(rules.choices).includes(value)) return rules.choiceMessage;
  return null;
}

/** The first control that breaks its rules, marked for the user, with its message. */
function problem(form) {
  let first = null;
  for (const control of form.elements) {
    if (!control.name || control.type === "submit") continue;
    const message = controlProblem(control, form);
    if (message) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
    if (message && !first) first = { control, message };
  }
  return first;
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
      else if (element.type === "checkbox") element.checked = [value].flat().includes(element.value);
      else element.value = value ?? "";
    }
  }
}

async function submit(form) {
  // Nobody holds the tablet after a sign-out: nothing may be saved in anyone's name.
  const person = await holder();
  if (!person) return;
  const result = document.querySelector(form.dataset.result);
  const trouble = problem(form);
  const args = { id: uuidv7(), ...argsOf(form) };
  const refusal = trouble ? null : await formChecks.get(form.dataset.check)?.(args);
  if (trouble || refusal) {
    result.innerHTML = "";
    const message = document.createElement("p");
    message.className = "form-error";
    message.setAttribute("role", "alert");
    message.textContent = trouble ? trouble.message : refusal;
    result.append(message);
    trouble?.control.focus();
    return;
  }
  const started = performance.now();
  const photoInput = form.querySelector("input[data-photos]");
  const files = photoInput ? chosenPhotos(photoInput) : [];
  // Cleared at once, so whatever the user types next is not wiped by this save.
  form.reset();
  const photos = [];
  for (const file of files) {
    photos.push({ id: uuidv7(), blob: await resized(file), uploaded: false });
  }
  if (photoInput) args[photoInput.name] = photos.map((photo) => photo.id);
  await enqueue(form.dataset.mutation, args, photos, person.id);
  await (await database()).delete("drafts", form.dataset.draft);
  result.innerHTML = "";
  const saved = document.createElement("p");
  saved.className = "flash";
  saved.dataset.entry = args.id;
  saved.textContent = result.dataset.savedLocally;
  result.append(saved);
  document.body.dataset.lastSaveMs = String(Math.round(performance.now() - started));
  await afterChange();
  await confirmWhenSent(form, args.id);
}

const nextSync = () => new Promise((resolve) => document.body.addEventListener("kefu:synced", resolve, { once: true }));

/** Once the outbox has sent this change, show the server's own confirmation, as an online
 * form would. A sync that was already running when it was saved sends it only on the next
 * round, so wait for that rather than give up. */
async function confirmWhenSent(form, id) {
  if (!navigator.onLine) return;
  while ((await status()).waiting) await nextSync();
  window.htmx?.ajax("GET", form.dataset.savedUrl.replace(NIL_ID, id), { target: form.dataset.result });
}

export function startForms() {
  for (const form of document.querySelectorAll("form[data-mutation]")) {
    form.querySelectorAll("[data-photo-capture]").forEach(startPhotoCapture);
    restoreDraft(form);
    form.addEventListener("input", () => saveDraft(form));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit(form);
    });
  }
}

export { syncNow };
