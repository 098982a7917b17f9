// Repair tickets on the device: the tickets it holds, by state, with the moves waiting in
// its outbox already applied, so that an engineer working offline sees where each stands.
import { holder } from "../holder.js";
import { defineView, localRecords, waitingChanges } from "../views.js";

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

function shortTime(moment) {
  return new Date(moment).toLocaleString([], {
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
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
      device_time: change.device_time,
      waiting: true,
    });
    ticket.state = change.target;
    ticket.waiting = true;
  }
  return [...tickets.values()];
}

function described(ticket, data) {
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
    // What the fault looked like; the server serves them, so they show once online.
    photos: [ticket.photo_ids, ...ticket.steps.map((step) => step.photo_ids ?? [])]
      .flat()
      .map((photoId) => data.photoUrl.replace(NIL_ID, photoId)),
    steps: ticket.steps.map((step) => ({
      id: step.id,
      kind: step.waiting ? "waiting" : "synced",
      time: shortTime(step.device_time),
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
  return ticket ? [described(ticket, data)] : [];
});

// Opening a ticket, or going back to the list, redraws the views.
window.addEventListener("hashchange", () => document.dispatchEvent(new CustomEvent("kefu:changed")));
