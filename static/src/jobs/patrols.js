// Floor patrols on the tablet: the areas by what is due, and the checklist of one area,
// all from what the device holds, so that both work with no network. A round lives in
// IndexedDB (drafts, one per area) from its first tap until it is submitted, whole, as
// one change in the outbox.
import { v7 as uuidv7 } from "uuid";
import { holder } from "../holder.js";
import { resized, thumbnail } from "../photos.js";
import { database, enqueue } from "../store.js";
import { afterChange } from "../sync.js";
import { fill } from "../text.js";
import { clockTime } from "../time.js";
import { defineView, localRecords, waitingChanges } from "../views.js";
import { dueStatus, groupAreas, groupOf, placeName } from "./patrols-due.js";

const MUTATION = "patrols.submit_round@1";
// A patrol checks a fixed repair of its area (app/repairs): these moves, by button.
const TICKET_MOVES = { verify: "repairs.verify@1", reopen: "repairs.reopen@1" };
const UNDER_REPAIR = new Set(["open", "assigned", "in_progress", "fixed", "reopened"]);
const DRAFT_PREFIX = "patrol-round:";
// The order of the list: what needs doing first.
const RANK = { overdue: 0, due: 1, open: 2, idle: 3, done: 4, unscheduled: 5 };

const byArea = (records) => new Map(records.map((record) => [record.area_id, record]));
// Records of kinds with whole-number keys (areas, templates) arrive keyed by text.
const numbered = async (kind) => (await localRecords(kind)).map((record) => ({ ...record, id: Number(record.id) }));

async function drafts() {
  const all = await (await database()).getAll("drafts");
  return all.filter((draft) => String(draft.form).startsWith(DRAFT_PREFIX));
}

/** Rounds this device knows: the property's synced ones, and its own still waiting. */
async function knownRounds() {
  const synced = await localRecords("patrol_round");
  const person = await holder();
  const waiting = (await waitingChanges(MUTATION)).map((args) => ({ ...args, by: person?.name ?? "" }));
  return [...synced, ...waiting];
}

/** Names an area, with its building where the property has more than one. */
function namer(areas) {
  const buildings = new Set(areas.map((area) => area.building)).size;
  return (area) => placeName(area, buildings);
}

defineView("patrolAreas", async (data) => {
  const labels = JSON.parse(data.labels);
  const headings = JSON.parse(data.groups);
  const now = Date.now();
  const [areas, schedules, rounds, open] = await Promise.all([
    numbered("area"),
    localRecords("patrol_schedule").then(byArea),
    knownRounds(),
    drafts(),
  ]);
  const openAreas = new Set(open.map((draft) => draft.round.area_id));
  const areaName = namer(areas);
  const roundsOf = new Map();
  for (const round of rounds) {
    if (!roundsOf.has(round.area_id)) roundsOf.set(round.area_id, []);
    roundsOf.get(round.area_id).push(round);
  }
  const listed = areas
    .map((area) => {
      const own = (roundsOf.get(area.id) ?? []).sort((a, b) => b.started_at.localeCompare(a.started_at));
      const schedule = schedules.get(area.id);
      let state = "unscheduled";
      let status = labels.unscheduled;
      let overdue = 0;
      let walked = false;
      if (schedule) {
        const times = own.map((round) => Date.parse(round.started_at));
        const found = dueStatus(schedule, times, now, data.zone, Number(data.grace));
        state = found.state;
        overdue = found.overdueMinutes;
        const round = own.find((candidate) => Date.parse(candidate.started_at) === found.doneAt);
        walked = Boolean(round);
        const last = round ? fill(labels.done, { time: clockTime(found.doneAt), name: round.by ?? "" }) : "";
        if (state === "done") status = last;
        else if (state === "due") status = labels.due;
        else if (state === "overdue") status = fill(labels.overdue, { n: overdue });
        else {
          const upcoming = found.next ? fill(labels.next, { time: clockTime(found.next) }) : "";
          status = [last, upcoming].filter(Boolean).join(" · ");
        }
      }
      const group = groupOf(state, walked);
      if (openAreas.has(area.id)) {
        state = state === "overdue" || state === "due" ? state : "open";
        status = [status, labels.open].filter(Boolean).join(" · ");
      }
      const href = `#area-${area.id}`;
      return { id: area.id, level: area.level, name: areaName(area), href, state, status, overdue, group };
    })
    .sort(
      (a, b) =>
        RANK[a.state] - RANK[b.state] || b.overdue - a.overdue || a.level - b.level || a.name.localeCompare(b.name),
    );
  return groupAreas(listed).map((found) => ({ ...found, heading: fill(headings[found.group], { n: found.count }) }));
});

// The checklist of one area.

const root = () => document.getElementById("patrols");
let current = null;

function labelsOf() {
  return JSON.parse(root().dataset.labels);
}

async function saveDraft() {
  current.stored = true;
  await (await database()).put("drafts", { form: DRAFT_PREFIX + current.round.area_id, round: current.round });
  document.dispatchEvent(new CustomEvent("kefu:changed"));
}

function standardOf(item) {
  const own = current.standards.get(item.key);
  return own ? { min: own.min, max: own.max } : { min: item.min, max: item.max };
}

function rangeText(item) {
  const { min, max } = standardOf(item);
  const unit = item.unit ? ` ${item.unit}` : "";
  if (min !== null && max !== null) return `${min}–${max}${unit}`;
  if (min !== null) return `≥ ${min}${unit}`;
  return max !== null ? `≤ ${max}${unit}` : "";
}

function outside(item, value) {
  const { min, max } = standardOf(item);
  return (min !== null && value < min) || (max !== null && value > max);
}

function answerOf(item) {
  current.round.answers[item.id] ??= { outcome: null, value: null, note: "", photos: [] };
  return current.round.answers[item.id];
}

function answered(item) {
  const answer = current.round.answers[item.id];
  if (!answer) return false;
  if (answer.outcome === "na") return true;
  if (item.kind === "reading") return answer.value !== null;
  if (item.kind === "text") return answer.note.trim() !== "";
  return answer.outcome !== null;
}

function renderPhotos(element, item) {
  const labels = labelsOf();
  const answer = answerOf(item);
  const list = element.querySelector(".thumbs");
  for (const image of list.querySelectorAll("img")) URL.revokeObjectURL(image.src);
  list.replaceChildren(
    ...answer.photos.map((photo, index) =>
      thumbnail(URL.createObjectURL(photo.blob), labels, index + 1, async () => {
        answer.photos.splice(index, 1);
        await saveDraft();
        renderPhotos(element, item);
      }),
    ),
  );
  list.hidden = answer.photos.length === 0;
  element.querySelector(".photo-count").textContent = `${answer.photos.length} / ${root().dataset.maxPhotos}`;
}

function renderState(element, item) {
  const labels = labelsOf();
  const answer = answerOf(item);
  for (const button of element.querySelectorAll("[data-outcome]")) {
    button.setAttribute("aria-pressed", String(answer.outcome === button.dataset.outcome));
  }
  element.classList.toggle("problem", answer.outcome === "problem");
  element.classList.toggle("answered", answered(item));
  element.querySelector(".evidence").hidden = !evidenceShown(item, answer);
  const missing = current.marked && !answered(item);
  element.classList.toggle("missing", missing);
  element.querySelector(".item-missing").hidden = !missing;
  for (const control of element.querySelectorAll("fieldset, input[data-name=reading]")) {
    if (missing) control.setAttribute("aria-invalid", "true");
    else control.removeAttribute("aria-invalid");
  }
  renderProgress();
  if (item.kind === "reading") {
    const verdict = element.querySelector(".verdict");
    if (answer.value === null || answer.outcome === "na") verdict.textContent = "";
    else
      verdict.textContent = fill(outside(item, answer.value) ? labels.outside : labels.within, {
        range: rangeText(item),
      });
    verdict.classList.toggle("outside", answer.outcome === "problem");
  }
}

/**
 * Whether an item shows its note and camera: for a problem (a reading outside its
 * standard is one), for a text item (the note is its answer), once they hold something,
 * or when a reopened repair asks for the reason.
 */
function evidenceShown(item, answer) {
  return (
    item.kind === "text" ||
    answer.outcome === "problem" ||
    answer.note.trim() !== "" ||
    answer.photos.length > 0 ||
    current.noteWanted.has(item.id)
  );
}

/** The sticky line over the checklist: how many items are checked, of how many. */
function renderProgress() {
  const line = document.getElementById("round-count");
  if (!current || !line) return;
  const items = current.round.template.items;
  const done = items.filter(answered).length;
  line.textContent = fill(root().dataset.progress, { done, total: items.length });
  // The refusal of an incomplete round goes once nothing is missing any more.
  if (current.marked && done === items.length) document.getElementById("round-result").replaceChildren();
  document.getElementById("round-rest-ok").disabled = !items.some(
    (item) => item.kind === "check" && answerOf(item).outcome === null,
  );
}

/** 其余全部正常: every yes/no item not answered yet is OK; readings still need their number. */
async function restOk() {
  if (!current) return;
  for (const item of current.round.template.items) {
    const answer = answerOf(item);
    if (item.kind !== "check" || answer.outcome !== null) continue;
    answer.outcome = "ok";
    renderState(document.getElementById(`item-${item.id}`), item);
  }
  await saveDraft();
}

/** The control that answers an item, to go to when it still needs an answer. */
function answerControl(element, item) {
  if (item.kind === "reading") return element.querySelector("input[data-name=reading]");
  if (item.kind === "text") return element.querySelector("textarea");
  const answer = answerOf(item);
  return element.querySelector(answer.outcome === "problem" ? "textarea" : "[data-outcome=ok]");
}

/** The area's tickets under repair, with the checks this tablet made still waiting. */
async function ticketsOf(areaId) {
  const waiting = new Map();
  for (const mutation of await (await database()).getAll("outbox")) {
    const move = Object.keys(TICKET_MOVES).find((name) => TICKET_MOVES[name] === mutation.name);
    if (move) waiting.set(mutation.args.ticket_id, move);
  }
  return (await localRecords("repair_ticket"))
    .filter((ticket) => ticket.area_id === areaId && UNDER_REPAIR.has(ticket.state))
    .map((ticket) => ({ ...ticket, checked: waiting.get(ticket.id) ?? null }));
}

function renderTicket(element, item) {
  // Of several tickets for this item, the one waiting to be checked comes first.
  const candidates = current.tickets.filter((candidate) => candidate.category === item.category);
  const ticket = candidates.find((candidate) => candidate.state === "fixed" && !candidate.checked) ?? candidates[0];
  const box = element.querySelector(".item-ticket");
  box.hidden = !ticket;
  if (!ticket) return;
  const labels = labelsOf();
  const states = JSON.parse(root().dataset.ticketStates);
  const text = box.querySelector(".ticket-text");
  const fixed = ticket.state === "fixed" && !ticket.checked;
  if (ticket.checked) text.textContent = ticket.checked === "verify" ? labels.verified : labels.reopened;
  else if (fixed) text.textContent = fill(labels.ticket_fixed, { number: ticket.number });
  else text.textContent = fill(labels.ticket, { number: ticket.number, state: states[ticket.state] ?? ticket.state });
  for (const button of box.querySelectorAll("[data-move]")) {
    button.hidden = !fixed;
    button.onclick = () => checkRepair(element, item, ticket, button.dataset.move);
  }
}

/** The patrol confirms a fixed repair, or reopens it with the item's note as the reason. */
async function checkRepair(element, item, ticket, move) {
  const person = await holder();
  if (!person) return;
  const note = answerOf(item).note.trim();
  if (move === "reopen" && !note) {
    say(document.getElementById("round-result"), labelsOf().reopen_needs_note, true);
    current.noteWanted.add(item.id);
    renderState(element, item);
    element.querySelector("textarea").focus();
    return;
  }
  const args = { id: uuidv7(), ticket_id: ticket.id, base_version: ticket.version, note, photo_ids: [] };
  await enqueue(TICKET_MOVES[move], args, [], person.id);
  ticket.checked = move;
  renderTicket(element, item);
  await afterChange();
}

function renderItem(item, template) {
  const element = template.content.firstElementChild.cloneNode(true);
  const answer = answerOf(item);
  const base = `item-${item.id}`;
  element.id = base;
  element.dataset.key = item.key;
  element.querySelector(".item-label").textContent = item.label;
  for (const control of element.querySelectorAll("[data-name]")) control.id = `${base}-${control.dataset.name}`;
  for (const label of element.querySelectorAll("label[data-for]")) label.htmlFor = `${base}-${label.dataset.for}`;
  const outcomes = element.querySelectorAll("[data-outcome]");
  if (item.kind !== "check") {
    for (const button of outcomes) button.hidden = button.dataset.outcome !== "na";
  }
  for (const button of outcomes) {
    button.addEventListener("click", async () => {
      answer.outcome = answer.outcome === button.dataset.outcome ? null : button.dataset.outcome;
      if (answer.outcome !== "na" && item.kind === "reading" && answer.value !== null) {
        answer.outcome = outside(item, answer.value) ? "problem" : "ok";
      }
      if (answer.outcome !== "na" && item.kind === "text") answer.outcome = answer.note.trim() ? "ok" : null;
      renderState(element, item);
      await saveDraft();
    });
  }
  if (item.kind === "reading") {
    const reading = element.querySelector(".reading");
    reading.hidden = false;
    reading.querySelector(".unit").textContent = item.unit ? `(${item.unit})` : "";
    const input = reading.querySelector("input");
    input.value = answer.value ?? "";
    input.addEventListener("input", async () => {
      const value = input.value.trim() === "" ? null : Number(input.value);
      answer.value = Number.isFinite(value) ? value : null;
      answer.outcome = answer.value === null ? null : outside(item, answer.value) ? "problem" : "ok";
      renderState(element, item);
      await saveDraft();
    });
  }
  const note = element.querySelector("textarea");
  note.value = answer.note;
  note.addEventListener("input", async () => {
    answer.note = note.value;
    if (item.kind === "text" && answer.outcome !== "na") answer.outcome = note.value.trim() ? "ok" : null;
    renderState(element, item);
    await saveDraft();
  });
  const photos = element.querySelector("input[type=file]");
  photos.addEventListener("change", async () => {
    const files = [...photos.files];
    photos.value = "";
    for (const file of files) answer.photos.push({ id: uuidv7(), blob: await resized(file) });
    await saveDraft();
    renderPhotos(element, item);
  });
  renderPhotos(element, item);
  renderState(element, item);
  renderTicket(element, item);
  return element;
}

function show(part) {
  document.getElementById("patrol-list").hidden = part !== "list";
  document.getElementById("patrol-round").hidden = part !== "round";
}

function say(target, text, alert = false) {
  const message = document.createElement("p");
  message.className = alert ? "form-error" : "flash";
  if (alert) message.setAttribute("role", "alert");
  message.textContent = text;
  target.replaceChildren(message);
}

async function openArea(areaId, scannedCode = null) {
  const labels = labelsOf();
  const [areas, templates, standards, tickets] = await Promise.all([
    numbered("area"),
    numbered("patrol_template"),
    localRecords("patrol_standard"),
    ticketsOf(areaId),
  ]);
  const area = areas.find((candidate) => candidate.id === areaId);
  if (!area) {
    // Not on this tablet yet (its first sync is still on the way): the list until it is.
    current = null;
    show("list");
    return;
  }
  const areaName = namer(areas);
  const latest = templates.find((template) => template.area_kind === area.kind);
  const draft = await (await database()).get("drafts", DRAFT_PREFIX + areaId);
  const result = document.getElementById("round-result");
  result.replaceChildren();
  if (!draft && !latest) {
    show("round");
    document.getElementById("round-title").textContent = areaName(area);
    document.getElementById("round-items").replaceChildren();
    say(result, labels.no_checklist, true);
    return;
  }
  current = {
    area,
    stored: Boolean(draft),
    marked: false,
    noteWanted: new Set(),
    standards: new Map(standards.filter((s) => s.area_id === areaId).map((s) => [s.item_key, s])),
    tickets,
    round: draft?.round ?? {
      id: uuidv7(),
      area_id: areaId,
      template: latest,
      started_at: new Date().toISOString(),
      scanned: false,
      checkpoint_code: null,
      answers: {},
    },
  };
  if (scannedCode) {
    current.round.scanned = true;
    current.round.checkpoint_code = scannedCode;
    await saveDraft();
  }
  show("round");
  const title = document.getElementById("round-title");
  title.textContent = areaName(area);
  const version = document.getElementById("round-version");
  const used = current.round.template.version;
  version.hidden = !latest || latest.version === used;
  if (latest) version.textContent = fill(labels.version, { version: used, current: latest.version });
  document.getElementById("round-scanned").textContent = current.round.scanned ? labels.scanned : labels.not_scanned;
  document.getElementById("round-scanner").hidden = current.round.scanned;
  const template = document.getElementById("round-item");
  document
    .getElementById("round-items")
    .replaceChildren(...current.round.template.items.map((item) => renderItem(item, template)));
  renderProgress();
  title.focus();
}

function problemOf(items) {
  const labels = labelsOf();
  const missing = items.filter((item) => !answered(item));
  if (missing.length) {
    return { item: missing[0], text: fill(labels.unanswered, { n: missing.length }), missing: true };
  }
  const maxPhotos = Number(root().dataset.maxPhotos);
  for (const item of items) {
    const answer = answerOf(item);
    if (answer.photos.length > maxPhotos) {
      return { item, text: fill(labels.too_many_photos, { item: item.label, n: maxPhotos }) };
    }
    if (answer.outcome !== "problem") continue;
    const evidence = answer.note.trim() || answer.photos.length;
    if (item.kind === "check" && !evidence) return { item, text: fill(labels.needs_evidence, { item: item.label }) };
    if (item.kind === "check" && item.photo_required && !answer.photos.length) {
      return { item, text: fill(labels.needs_photo, { item: item.label }) };
    }
  }
  return null;
}

async function submitRound() {
  const person = await holder();
  if (!person || !current) return;
  const result = document.getElementById("round-result");
  const items = current.round.template.items;
  const trouble = problemOf(items);
  if (trouble) {
    say(result, trouble.text, true);
    current.marked ||= Boolean(trouble.missing);
    for (const item of items) renderState(document.getElementById(`item-${item.id}`), item);
    const element = document.getElementById(`item-${trouble.item.id}`);
    element.scrollIntoView({ block: "start" });
    answerControl(element, trouble.item)?.focus({ preventScroll: true });
    return;
  }
  const photos = [];
  const results = items.map((item) => {
    const answer = answerOf(item);
    photos.push(...answer.photos.map((photo) => ({ ...photo, uploaded: false })));
    return {
      item_id: item.id,
      outcome: answer.outcome,
      value: item.kind === "reading" && answer.outcome !== "na" ? answer.value : null,
      note: answer.note.trim() || null,
      photo_ids: answer.photos.map((photo) => photo.id),
    };
  });
  const round = current.round;
  const args = {
    id: round.id,
    area_id: round.area_id,
    template_id: round.template.id,
    template_version: round.template.version,
    started_at: round.started_at,
    ended_at: new Date().toISOString(),
    scanned: round.scanned,
    checkpoint_code: round.checkpoint_code,
    results,
  };
  await enqueue(MUTATION, args, photos, person.id);
  await (await database()).delete("drafts", DRAFT_PREFIX + round.area_id);
  current = null;
  location.hash = "";
  say(document.getElementById("patrol-flash"), labelsOf().saved);
  await afterChange();
}

async function route() {
  const match = /^#area-(\d+)$/.exec(location.hash);
  if (match) await openArea(Number(match[1]));
  else {
    current = null;
    show("list");
  }
}

/** A checkpoint sticker scanned: open its area's round, with the scan as proof. */
async function scanned(text) {
  const prefix = root().dataset.checkpointPrefix;
  if (!text.startsWith(prefix)) return;
  const code = text.slice(prefix.length);
  const area = (await numbered("area")).find((candidate) => candidate.checkpoint_code === code);
  if (!area) {
    say(document.getElementById(current ? "round-result" : "patrol-flash"), labelsOf().unknown_code, true);
    return;
  }
  history.pushState(null, "", `#area-${area.id}`);
  await openArea(area.id, code);
}

document.addEventListener("DOMContentLoaded", () => {
  if (!root()) return;
  window.addEventListener("hashchange", route);
  document.getElementById("round-submit").addEventListener("click", submitRound);
  document.getElementById("round-rest-ok").addEventListener("click", restOk);
  // A round asked for before the tablet held its area opens once the first sync brings it
  // (once: a sync announces itself more than once).
  let opening = null;
  document.addEventListener("kefu:changed", () => {
    if (current || opening || !/^#area-\d+$/.test(location.hash)) return;
    opening = route().finally(() => {
      opening = null;
    });
  });
  document.addEventListener("qr-scanned", (event) => scanned(String(event.detail?.text ?? "")));
  route();
});
