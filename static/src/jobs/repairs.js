// Repair tickets on the device: the tickets it holds, by state, with the moves waiting in
// its outbox already applied, so that an engineer working offline sees where each stands.
import { holder } from "../holder.js";
import { all } from "../store.js";
import { fill } from "../text.js";
import { clockTime, propertyZone } from "../time.js";
import { defineView, localRecords, waitingChanges } from "../views.js";
import { wallClock } from "../zones.js";

// What needs doing first comes first.
const NIL_ID = "00000000-0000-0000-0000-000000000000";
const STATE_ORDER = ["reopened", "assigned", "in_progress", "fixed", "open"];

function page() {
  return document.getElementById("repairs")?.dataset;
}

const parsed = new WeakMap();
/** A JSON attribute of the page (labels, areas), parsed once for as long as the page lasts. */
function pageJson(name) {
  const element = document.getElementById("repairs");
  if (!parsed.has(element)) parsed.set(element, {});
  const held = parsed.get(element);
  held[name] ??= JSON.parse(element.dataset[name]);
  return held[name];
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const twoDigits = (number) => String(number).padStart(2, "0");

/** "MM-DD HH:mm" of `moment` on the property's clocks, whatever the tablet's zone. */
function shortTime(moment) {
  const wall = wallClock(new Date(moment).getTime(), propertyZone());
  return `${twoDigits(wall.month)}-${twoDigits(wall.day)} ${clockTime(moment)}`;
}

/** How long ago `moment` was, in the page's words ("3 天前"). */
function age(moment, data) {
  const elapsed = Math.max(0, Date.now() - new Date(moment).getTime());
  if (elapsed < MINUTE) return data.ageNow;
  if (elapsed < HOUR) return fill(data.ageMinutes, { count: Math.floor(elapsed / MINUTE) });
  if (elapsed < DAY) return fill(data.ageHours, { count: Math.floor(elapsed / HOUR) });
  return fill(data.ageDays, { count: Math.floor(elapsed / DAY) });
}

// Photos still on the tablet are shown from there (the server has them only once sent);
// the object URLs of the previous drawing are let go at the next.
let shownBlobs = [];

/** Where each photo of this device's tickets is shown from: the tablet's own copy while
 * it has one, else the server. */
async function photoSources(data) {
  for (const url of shownBlobs) URL.revokeObjectURL(url);
  shownBlobs = [];
  const onDevice = new Map((await all("photos")).filter((photo) => photo.blob).map((photo) => [photo.id, photo.blob]));
  return (photoId) => {
    const blob = onDevice.get(photoId);
    if (!blob) return data.photoUrl.replace(NIL_ID, photoId);
    const url = URL.createObjectURL(blob);
    shownBlobs.push(url);
    return url;
  };
}

function selectedId() {
  const match = /^#ticket-(.+)$/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]) : null;
}

/** The tickets this device holds, each with the moves still in its outbox applied. */
export async function ticketsHere(data) {
  const targets = JSON.parse(data.moves);
  const tickets = new Map(
    (await localRecords(data.kind)).map((ticket) => [
      ticket.id,
      { ...ticket, steps: [...ticket.steps], waiting: false },
    ]),
  );
  const waiting = [];
  for (const [name, target] of Object.entries(targets)) {
    for (const change of await waitingChanges(name)) waiting.push({ ...change, target });
  }
  const person = await holder();
  waiting.sort((a, b) => a.device_time.localeCompare(b.device_time));
  for (const change of waiting) {
    const ticket = tickets.get(change.ticket_id);
    // The server's copy has the step already once it arrived: only the reply is missing.
    if (!ticket || ticket.steps.some((step) => step.id === change.id)) continue;
    ticket.steps.push({
      id: change.id,
      from_state: ticket.state,
      to_state: change.target,
      by: person?.name ?? "",
      note: change.note,
      photo_ids: change.photo_ids ?? [],
      device_time: change.device_time,
      waiting: true,
    });
    ticket.state = change.target;
    ticket.waiting = true;
  }
  return [...tickets.values()];
}

/** A ticket as the views show it; its steps' photos where `photoSource` is given (the
 * open ticket: the list shows none). */
function described(ticket, data, photoSource = null) {
  const states = pageJson("states");
  const categories = pageJson("categories");
  const areas = pageJson("areas");
  const area = areas[ticket.area_id] ?? "";
  // The opening job's location often names the area already.
  const where = ticket.location.includes(area) ? ticket.location : `${area} · ${ticket.location}`;
  return {
    id: ticket.id,
    state: ticket.state,
    stateLabel: states[ticket.state] ?? ticket.state,
    waiting: ticket.waiting,
    link: `#ticket-${encodeURIComponent(ticket.id)}`,
    title: `#${ticket.number} · ${categories[ticket.category] ?? ticket.category}`,
    where,
    note: ticket.note,
    age: age(ticket.device_time, data),
    steps: ticket.steps.map((step) => ({
      id: step.id,
      kind: step.waiting ? "waiting" : "synced",
      time: shortTime(step.device_time),
      // Each step's photos beside it: the fault's at the opening, the repair's at 已修.
      photos: photoSource ? (step.photo_ids ?? []).map(photoSource) : [],
      line: [
        states[step.to_state] ?? step.to_state,
        step.by,
        step.assigned_to ? data.assignedTo.replace("{name}", step.assigned_to) : "",
        step.note,
        step.waiting ? data.waiting : "",
      ]
        .filter(Boolean)
        .join(" · "),
    })),
  };
}

/** Show the forms of the moves this person may make from where the ticket stands, filled
 * with the ticket and the version of it the server last sent. */
async function offerMoves(ticket) {
  const person = await holder();
  for (const form of document.querySelectorAll("form.move-form")) {
    const allowed =
      ticket !== undefined &&
      JSON.parse(form.dataset.from).includes(ticket.state) &&
      (!("byAssignee" in form.dataset) || ticket.assigned_to_id === person?.id);
    form.hidden = !allowed;
    if (allowed) {
      // A note kept as a draft belongs to the ticket it was written for.
      if (form.elements.ticket_id.value && form.elements.ticket_id.value !== ticket.id) form.elements.note.value = "";
      form.elements.ticket_id.value = ticket.id;
      form.elements.base_version.value = String(ticket.version);
    }
  }
}

defineView("repairTickets", async () => {
  const data = page();
  const tickets = (await ticketsHere(data)).sort((a, b) => b.number - a.number);
  const states = pageJson("states");
  return STATE_ORDER.map((state) => ({
    state,
    label: states[state],
    tickets: tickets.filter((ticket) => ticket.state === state).map((ticket) => described(ticket, data)),
  })).filter((group) => group.tickets.length > 0);
});

defineView("repairTicket", async () => {
  const data = page();
  const ticket = (await ticketsHere(data)).find((held) => held.id === selectedId());
  await offerMoves(ticket);
  return ticket ? [described(ticket, data, await photoSources(data))] : [];
});

// Opening a ticket, or going back to the list, redraws the views.
window.addEventListener("hashchange", () => document.dispatchEvent(new CustomEvent("kefu:changed")));
