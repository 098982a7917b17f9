// The gate on the guard's tablet: checks a scanned or typed pass against the tablet's own
// copy of the pass list (no network needed), records entries, exits and releases of exit
// passes in the outbox, and lists the duplicates held at the gate. On the office's pass
// form, it makes the small copy of the worker's photo that gate tablets hold.
import { v7 as uuidv7 } from "uuid";
import { exitAnswer, passAnswer } from "../gate-rules.js";
import { holder } from "../holder.js";
import { enqueue, getMeta } from "../store.js";
import { afterChange } from "../sync.js";
import { fill } from "../text.js";
import { clockTime, propertyZone } from "../time.js";
import { localRecords, waitingChanges } from "../views.js";

const MUTATION = "gate.record@1";
const HOUR_MS = 3_600_000;
const THUMB_WIDTH = 120;
const THUMB_HEIGHT = 150;
const REFUSALS = new Set(["expired", "revoked", "outside_hours", "suspended", "already_inside", "used"]);

async function sha256(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

// ---- what the tablet holds -------------------------------------------------------

/** The pass list as this tablet holds it, indexed for a check that touches no disk. */
export async function loadList(defaults) {
  const [passes, permits, photos, exits, settings, synced] = await Promise.all(
    ["gate_pass", "gate_permit", "gate_photo", "gate_exit_pass", "gate_settings", "gate_event"].map(localRecords),
  );
  const waiting = await waitingChanges(MUTATION);
  const list = {
    settings: settings[0] ?? defaults,
    permits: new Map(permits.map((permit) => [Number(permit.id), permit])),
    photos: new Map(photos.map((photo) => [photo.pass_id, photo.thumbnail])),
    passes: new Map(),
    byQr: new Map(),
    exits: new Map(),
    exitUses: new Map(),
    held: new Map(),
  };
  for (const pass of passes) {
    list.passes.set(pass.number, pass);
    list.byQr.set(pass.qr, { pass });
    for (const old of pass.retired_qr) list.byQr.set(old, { pass, retired: true });
  }
  for (const exit of exits) {
    list.exits.set(exit.number, exit);
    list.byQr.set(exit.qr, { exit });
  }
  const shown = new Set();
  const events = [...waiting, ...synced]
    .filter((event) => !shown.has(event.id) && shown.add(event.id))
    .sort((a, b) => new Date(a.device_time) - new Date(b.device_time));
  const passById = new Map(passes.map((pass) => [Number(pass.id), pass]));
  for (const event of events) {
    if (event.direction === "release") {
      list.exitUses.set(event.exit_pass_id, event.device_time);
      continue;
    }
    if (event.direction === "entry")
      list.held.set(event.pass_id, { since: event.device_time, pass: passById.get(event.pass_id) });
    else list.held.delete(event.pass_id);
  }
  return list;
}

// ---- the screen ------------------------------------------------------------------

export function ago(section, since, now) {
  const minutes = Math.max(0, Math.round((now - since) / 60_000));
  if (minutes < 60) return fill(section.dataset.minutesAgo, { n: minutes });
  if (minutes < 48 * 60) return fill(section.dataset.hoursAgo, { n: Math.floor(minutes / 60) });
  return fill(section.dataset.daysAgo, { n: Math.floor(minutes / 1440) });
}

function startGateCheck(section) {
  const defaults = JSON.parse(section.dataset.defaults);
  const states = JSON.parse(section.dataset.states);
  const answer = section.querySelector("#check-answer");
  const override = section.querySelector("#override-form");
  const recordButtons = [...section.querySelectorAll("[data-record]")];
  const wantsIn = section.querySelector("[data-wants-in]");
  let list = null;
  let loading = null;
  let current = null;
  let syncedAt = null;

  const stale = () => syncedAt === null || Date.now() - syncedAt > list.settings.stale_hours * HOUR_MS;

  const showAge = () => {
    const age = section.querySelector("#list-age");
    const warning = section.querySelector("#stale-warning");
    const now = new Date();
    age.textContent =
      syncedAt === null
        ? section.dataset.listNever
        : fill(section.dataset.listAge, { time: clockTime(syncedAt), ago: ago(section, syncedAt, now) });
    const old = list && stale();
    age.classList.toggle("stale", Boolean(old));
    // A list never loaded says so on the age line itself; the warning is for an old one.
    warning.hidden = !old || syncedAt === null;
    warning.textContent = fill(warning.dataset.text, { hours: list?.settings.stale_hours ?? defaults.stale_hours });
  };

  const showHeld = () => {
    const items = [...list.held.entries()].map(([passId, { since, pass }]) => {
      const item = document.createElement("li");
      const time = document.createElement("time");
      time.textContent = clockTime(since);
      const who = pass
        ? `${String(pass.number).padStart(4, "0")} · ${pass.name} · ${list.permits.get(pass.permit_id)?.unit ?? ""}`
        : `#${passId}`;
      item.append(time, ` ${who}`);
      return item;
    });
    section.querySelector("#held-list").replaceChildren(...items);
    section.querySelector("#held-count").textContent = String(items.length);
    section.querySelector("#held-empty").hidden = items.length > 0;
  };

  // Every change announced reloads the list; a check waits for a reload under way, so
  // that its answer counts the event just recorded.
  const reload = () => {
    loading = (async () => {
      list = await loadList(defaults);
      syncedAt = await getMeta("lastSyncAt", null);
      showAge();
      showHeld();
    })();
    return loading;
  };

  // A field with nothing to say is left out, its label too.
  const setField = (name, value) => {
    const field = section.querySelector(`[data-field="${name}"]`);
    field.textContent = value ?? "";
    field.parentElement.hidden = !value;
  };

  const hoursText = (hours) => hours.map(([start, end]) => `${start}–${end}`).join(section.dataset.hoursSeparator);

  const show = (result, started) => {
    current = result;
    const { state } = result;
    answer.hidden = false;
    answer.dataset.state = state;
    answer.classList.toggle("refused", REFUSALS.has(state) || state === "unknown");
    answer.classList.toggle("stale", stale());
    section.querySelector("#answer-state").textContent = states[state];
    let detail = "";
    if (state === "valid_leaving") detail = fill(section.dataset.heldSince, { time: clockTime(result.held.since) });
    if (state === "already_inside")
      detail = fill(section.dataset.alreadyInside, { time: clockTime(result.held.since) });
    if (state === "revoked") detail = result.retired ? section.dataset.reissued : (result.pass.revoked_reason ?? "");
    if (state === "used") detail = fill(section.dataset.releasedAt, { time: clockTime(result.usedAt) });
    if (state === "outside_hours") detail = fill(section.dataset.workingHours, { hours: hoursText(result.hours) });
    if (state === "unknown")
      detail = result.typed
        ? fill(section.dataset.unknownNumber, { number: result.typed })
        : section.dataset.unknownCode;
    if (stale()) detail = `${detail} · ${section.dataset.staleMark}`;
    section.querySelector("#answer-detail").textContent = detail;
    const photo = section.querySelector("#answer-photo");
    const thumbnail = result.pass ? list.photos.get(Number(result.pass.id)) : null;
    photo.hidden = !thumbnail;
    if (thumbnail) photo.src = thumbnail;
    else photo.removeAttribute("src");
    section.querySelector(".answer-who").hidden = !(result.pass || result.exit);
    const permit = result.pass ? list.permits.get(result.pass.permit_id) : null;
    setField("name", result.pass?.name ?? result.exit?.items);
    setField("company", permit?.company ?? result.exit?.carrier);
    setField("unit", permit?.unit ?? result.exit?.unit);
    setField(
      "validity",
      result.pass ? `${result.pass.valid_from} – ${result.pass.valid_until}` : (result.exit?.valid_on ?? ""),
    );
    setField("id_masked", result.pass?.id_masked);
    const action = { valid_entering: "entry", valid_leaving: "exit", valid_release: "release" }[state];
    for (const button of recordButtons) button.hidden = button.dataset.record !== action;
    wantsIn.hidden = state !== "valid_leaving";
    override.hidden = !(REFUSALS.has(state) && state !== "used");
    override.reset();
    section.querySelector("#override-error").hidden = true;
    section.querySelector("#answer-recorded").textContent = "";
    document.body.dataset.lastCheckMs = String(Math.round((performance.now() - started) * 10) / 10);
  };

  const check = async (text, started = performance.now()) => {
    await (loading ?? reload());
    const typed = text.trim();
    const now = new Date();
    const zone = propertyZone();
    let result;
    const exitNumber = /^x0*(\d+)$/i.exec(typed);
    if (/^\d+$/.test(typed)) {
      const pass = list.passes.get(Number(typed));
      result = pass ? { pass, ...passAnswer(list, { pass }, now, zone) } : { state: "unknown", typed };
    } else if (exitNumber) {
      const exit = list.exits.get(Number(exitNumber[1]));
      result = exit ? { exit, ...exitAnswer(list, exit, now, zone) } : { state: "unknown", typed };
    } else {
      const found = list.byQr.get(await sha256(typed));
      if (found?.pass) result = { pass: found.pass, ...passAnswer(list, found, now, zone) };
      else if (found?.exit) result = { exit: found.exit, ...exitAnswer(list, found.exit, now, zone) };
      else result = { state: "unknown" };
    }
    show(result, started);
  };

  const record = async (direction, overrideReason = null) => {
    const person = await holder();
    if (!person || !current) return;
    const subject = current;
    const args = {
      id: uuidv7(),
      direction,
      pass_id: subject.pass ? Number(subject.pass.id) : null,
      exit_pass_id: subject.exit ? Number(subject.exit.id) : null,
      shown: subject.state,
      override_reason: overrideReason,
      list_synced_at: syncedAt === null ? null : new Date(syncedAt).toISOString(),
      stale: stale(),
    };
    await enqueue(MUTATION, args, [], person.id);
    const what = section.dataset[`${direction}Label`];
    section.querySelector("#answer-recorded").textContent = fill(section.dataset.recorded, {
      what,
      name: subject.pass?.name ?? subject.exit?.items ?? "",
    });
    for (const button of recordButtons) button.hidden = true;
    override.hidden = true;
    wantsIn.hidden = true;
    current = null;
    await afterChange();
  };

  section.querySelector("#check-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const started = performance.now();
    const input = event.target.elements.number;
    const value = input.value;
    input.value = "";
    check(value, started);
  });
  // The shared QR scanner (templates/_qr_scanner.html) says what it read.
  section.addEventListener("qr-scanned", (event) => check(event.detail.text));
  for (const button of recordButtons) {
    button.addEventListener("click", () => record(button.dataset.record));
  }
  wantsIn.addEventListener("click", () => {
    if (current?.held) show({ ...current, state: "already_inside" }, performance.now());
  });
  override.addEventListener("submit", (event) => {
    event.preventDefault();
    const reason = override.elements.override_reason.value.trim();
    const error = section.querySelector("#override-error");
    error.hidden = reason.length > 0;
    if (!reason) return;
    record(current?.exit ? "release" : "entry", reason);
  });
  document.addEventListener("kefu:changed", reload);
  setInterval(showAge, 60_000);
  reload();
}

// ---- the office's pass form ------------------------------------------------------

/** A small JPEG of the photo, cropped to a pass photo's shape, as a data URL. */
async function thumbnailOf(file) {
  const bitmap = await createImageBitmap(file);
  const canvas = document.createElement("canvas");
  canvas.width = THUMB_WIDTH;
  canvas.height = THUMB_HEIGHT;
  const scale = Math.max(THUMB_WIDTH / bitmap.width, THUMB_HEIGHT / bitmap.height);
  const width = bitmap.width * scale;
  const height = bitmap.height * scale;
  canvas.getContext("2d").drawImage(bitmap, (THUMB_WIDTH - width) / 2, (THUMB_HEIGHT - height) / 2, width, height);
  return canvas.toDataURL("image/jpeg", 0.7);
}

function startPassForm(form) {
  const photo = form.querySelector("[data-pass-photo]");
  const thumbnail = form.querySelector("[data-thumbnail]");
  photo.addEventListener("change", async () => {
    thumbnail.value = photo.files[0] ? await thumbnailOf(photo.files[0]) : "";
  });
}

const gate = document.getElementById("gate-check");
if (gate) startGateCheck(gate);
for (const form of document.querySelectorAll("form[data-pass-form]")) startPassForm(form);
