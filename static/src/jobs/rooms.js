// Meeting rooms on the tablet: today's bookings with their tasks, a request checked against
// the tablet's own copy of the coming bookings (the server decides with authority), and,
// for a request refused, the nearest free times in its room and the other rooms free then.
// On the desktop: the grid's keys for the previous and next day or week.
import { v7 as uuidv7 } from "uuid";
import { defineFormCheck } from "../forms.js";
import { holder } from "../holder.js";
import { all, enqueue } from "../store.js";
import { afterChange } from "../sync.js";
import { fill } from "../text.js";
import { clockTime } from "../time.js";
import { defineView, localRecords, waitingChanges } from "../views.js";
import { instantOf as instantAt, wallClock } from "../zones.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NO_SHOW_AFTER = 15 * MINUTE;
const HOLDING = new Set(["pending", "confirmed"]);
const SEARCH_STEP = 15 * MINUTE;
const REQUEST = "rooms.request@1";
const TICKS = ["rooms.tick@1", "rooms.restore@1"];
const NIL_ID = "00000000-0000-0000-0000-000000000000";

// --- The property's local time, whatever zone the tablet's clock is in ----------------

const twoDigits = (number) => String(number).padStart(2, "0");

function partsIn(zone, moment) {
  const wall = wallClock(moment, zone);
  return {
    date: `${wall.year}-${twoDigits(wall.month)}-${twoDigits(wall.day)}`,
    time: `${twoDigits(wall.hour)}:${twoDigits(wall.minute)}`,
  };
}

/** A local day and time ("2026-12-01", "09:00") of the property's zone as an instant (ms). */
function instantOf(day, time, zone) {
  const [year, month, date] = day.split("-").map(Number);
  const [hours, minutes] = time.split(":").map(Number);
  return instantAt(year, month, date, hours * 60 + minutes, zone);
}

/** Today in the property's zone, from its midnight to the next, as instants (ms). */
function todayIn(zone) {
  const day = partsIn(zone, Date.now()).date;
  return { from: instantOf(day, "00:00", zone), until: instantOf(dayAfter(day, 1), "00:00", zone) };
}

const within = (day, moment) => moment >= day.from && moment < day.until;

const dayAfter = (day, days) => new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

// --- What the tablet holds -------------------------------------------------------------

async function holdings() {
  // Record ids arrive as text; a booking names its room by number.
  const rooms = new Map(
    (await localRecords("room")).map((room) => [Number(room.id), { ...room, id: Number(room.id) }]),
  );
  const synced = await localRecords("booking");
  const waiting = await waitingChanges(REQUEST);
  return { rooms, synced, waiting };
}

/** The occurrences of a request: [{id, day, from, until, heldFrom, heldUntil}], as the server makes them. */
function occurrences(args, room, zone) {
  const step = { daily: 1, weekly: 7 }[args.repeat] ?? 0;
  const days = [args.date];
  if (step && args.until) {
    for (let day = dayAfter(args.date, step); day <= args.until && days.length <= 53; day = dayAfter(day, step)) {
      days.push(day);
    }
  }
  return days.map((day, index) => {
    const from = instantOf(day, args.starts, zone);
    const until = instantOf(day, args.ends, zone);
    return {
      id: `${args.id}:${index}`,
      day,
      from,
      until,
      heldFrom: from - room.setup_minutes * MINUTE,
      heldUntil: until + room.cleardown_minutes * MINUTE,
    };
  });
}

/** The intervals that hold a room, from the server's copy and this tablet's waiting requests. */
function heldIntervals(held, zone, skipId) {
  const intervals = held.synced
    .filter((booking) => HOLDING.has(booking.state) && booking.id !== skipId)
    .map((booking) => ({
      roomId: Number(booking.room_id),
      from: Date.parse(booking.held_from),
      until: Date.parse(booking.held_until),
      title: booking.title,
    }));
  for (const request of held.waiting) {
    const room = held.rooms.get(Number(request.room_id));
    if (!room || request.id === skipId) continue;
    for (const o of occurrences(request, room, zone)) {
      intervals.push({ roomId: room.id, from: o.heldFrom, until: o.heldUntil, title: request.title });
    }
  }
  return intervals;
}

/** Why a room cannot take the request, as a reason code, or null if it can. */
function unfit(room, args) {
  if (!room) return "unknown_room";
  if (args.ends <= args.starts) return "bad_times";
  if (args.starts < room.opens_at || args.ends > room.closes_at) return "outside_hours";
  if (Number(args.attendees) > room.capacity) return "over_capacity";
  if (!room.layouts.includes(args.layout)) return "layout_not_offered";
  if ((args.equipment ?? []).some((item) => !room.equipment.includes(item))) return "equipment_missing";
  return null;
}

function clash(intervals, roomId, list) {
  for (const o of list) {
    const other = intervals.find((i) => i.roomId === roomId && i.from < o.heldUntil && i.until > o.heldFrom);
    if (other) return { day: o.day, title: other.title };
  }
  return null;
}

/** The request checked as the server will check it: {reason, day} or null. */
function verdict(args, held, zone, intervals) {
  const room = held.rooms.get(Number(args.room_id));
  const reason = unfit(room, args);
  if (reason) return { reason };
  const taken = clash(intervals, room.id, occurrences(args, room, zone));
  return taken ? { reason: "overlap", ...taken } : null;
}

const clock = (ms, zone) => clockTime(ms, zone);

/** What to offer instead of a request that cannot be had, at most three, each a request
 * the user may send as it is: the nearest free time of the same length before it and after
 * it in its room that day (not in the past), then the smallest other room free at its time. */
function alternatives(args, held, zone, intervals) {
  const room = held.rooms.get(Number(args.room_id));
  const offered = [];
  if (room) {
    const length = instantOf(args.date, args.ends, zone) - instantOf(args.date, args.starts, zone);
    const opens = Math.max(instantOf(args.date, room.opens_at, zone), Date.now());
    const closes = instantOf(args.date, room.closes_at, zone);
    const wanted = instantOf(args.date, args.starts, zone);
    const free = (from) => {
      const probe = { ...args, starts: clock(from, zone), ends: clock(from + length, zone), repeat: "none" };
      return clash(intervals, room.id, occurrences(probe, room, zone)) ? null : probe;
    };
    let before = null;
    for (let from = wanted - SEARCH_STEP; from >= opens && !before; from -= SEARCH_STEP) before = free(from);
    let after = null;
    for (let from = wanted + SEARCH_STEP; from + length <= closes && !after; from += SEARCH_STEP) {
      if (from >= opens) after = free(from);
    }
    offered.push(...[before, after].filter(Boolean).map((probe) => ({ ...probe, room })));
  }
  const other = [...held.rooms.values()]
    .sort((a, b) => a.capacity - b.capacity || a.name.localeCompare(b.name))
    .find(
      (each) => each.id !== room?.id && !unfit(each, args) && !clash(intervals, each.id, occurrences(args, each, zone)),
    );
  if (other) offered.push({ ...args, room_id: other.id, room: other });
  return offered.map(({ room: where, ...request }) => ({
    label: `${request.starts}–${request.ends} · ${where.name}`,
    request,
  }));
}

/** Put an offered request in the form, to be sent as it is or changed first. */
function useInForm(request) {
  const form = document.getElementById("room-request");
  for (const [name, value] of Object.entries(request)) {
    for (const control of form.querySelectorAll(`[name="${name}"]`)) {
      if (control.type === "radio") control.checked = control.value === value;
      else if (control.type === "checkbox") control.checked = [value].flat().includes(control.value);
      else control.value = value ?? "";
    }
  }
  // Kept as a draft, as if typed.
  form.dispatchEvent(new Event("input", { bubbles: true }));
  form.scrollIntoView({ block: "start" });
  form.querySelector('[type="submit"]').focus({ preventScroll: true });
}

/** The offered requests as buttons that fill the form. */
function offerButtons(offered, noneLabel) {
  const list = document.createElement("span");
  list.className = "free-offers";
  if (!offered.length) list.textContent = noneLabel;
  for (const offer of offered) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary free-offer";
    button.textContent = offer.label;
    button.addEventListener("click", () => useInForm(offer.request));
    list.append(button);
  }
  return list;
}

// --- The views -------------------------------------------------------------------------

async function tickTask(taskId) {
  const person = await holder();
  if (!person) return;
  await enqueue("rooms.tick@1", { id: uuidv7(), task_id: taskId }, [], person.id);
  await afterChange();
}

async function markNoShow(bookingId) {
  const person = await holder();
  if (!person) return;
  await enqueue("rooms.no_show@1", { booking_id: bookingId }, [], person.id);
  await afterChange();
}

defineView("roomsToday", async (data) => {
  const labels = JSON.parse(data.labels);
  const zone = data.zone;
  const today = todayIn(zone);
  const held = await holdings();
  const tasks = await localRecords("room_task");
  const ticks = [...(await waitingChanges(TICKS[0])), ...(await waitingChanges(TICKS[1]))];
  const noShows = new Set((await waitingChanges("rooms.no_show@1")).map((change) => change.booking_id));
  const refusals = await all("refused");
  const refused = new Set(refusals.map((mutation) => mutation.args?.id));
  const refusedTicks = new Map(
    refusals.filter((mutation) => TICKS.includes(mutation.name)).map((mutation) => [mutation.args.task_id, mutation]),
  );
  const now = Date.now();
  const synced = new Set(held.synced.map((booking) => booking.id));
  const items = held.synced
    .filter((booking) => within(today, Date.parse(booking.starts_at)))
    .map((booking) => ({
      ...booking,
      from: Date.parse(booking.starts_at),
      until: Date.parse(booking.ends_at),
      waiting: false,
    }));
  for (const request of held.waiting) {
    const room = held.rooms.get(Number(request.room_id));
    if (!room || synced.has(request.id)) continue;
    for (const o of occurrences(request, room, zone)) {
      items.push({ ...request, id: o.id, state: "waiting", from: o.from, until: o.until, waiting: true });
    }
  }
  return items
    .filter((item) => within(today, item.from) && !refused.has(item.id))
    .sort((a, b) => a.from - b.from)
    .map((item) => {
      const room = held.rooms.get(Number(item.room_id));
      const late = Date.now() >= item.from + NO_SHOW_AFTER;
      // A no-show marked here and still waiting ends the booking as much as a synced one.
      const stands = item.state === "confirmed" && !noShows.has(item.id);
      return {
        id: item.id,
        state: item.state,
        when: `${clock(item.from, zone)}–${clock(item.until, zone)}`,
        where: room ? `${room.floor} · ${room.name}` : "",
        title: item.title,
        who: `${item.company} · ${item.organiser} · ${item.phone}`,
        status: item.waiting
          ? data.waitingLabel
          : item.reject_reason
            ? fill(data.explainedLabel, { reason: labels.states[item.state], detail: item.reject_reason })
            : (labels.states[item.state] ?? item.state),
        setup: [labels.layouts[item.layout], ...(item.equipment ?? []).map((e) => labels.equipment[e])]
          .concat(item.tea_for ? [fill(data.teaLabel, { count: item.tea_for })] : [])
          .join(" · "),
        canNoShow: stands && late,
        noShowWaiting: noShows.has(item.id),
        markNoShow: () => markNoShow(item.id),
        tasks: tasks
          .filter((task) => task.booking_id === item.id)
          .sort((a, b) => a.due_at.localeCompare(b.due_at))
          .map((task) => {
            const mine = ticks.filter((tick) => tick.task_id === task.id);
            const refusal = refusedTicks.get(task.id);
            const done = Boolean(task.done_at) || mine.length > 0;
            const doneAt = task.done_at ?? mine[0]?.device_time;
            const dueAt = Date.parse(task.due_at);
            const overdue = stands && !done && task.kind !== "restore" && now > dueAt;
            return {
              id: task.id,
              label: labels.tasks[task.kind],
              due: clock(dueAt, zone),
              done,
              // A booking that no longer stands offers no work; a tick the server refused
              // says so where it was made.
              offered: stands && !done && !refusal,
              refused: Boolean(refusal) && !done,
              refusal: refusal ? fill(data.refusedLabel, { reason: refusal.message || refusal.reason }) : "",
              overdue: overdue ? fill(data.overdueLabel, { n: Math.floor((now - dueAt) / MINUTE) }) : "",
              css: [done ? "done" : "open", overdue ? "overdue" : "", refusal && !done ? "refused" : ""].join(" "),
              restore: task.kind === "restore",
              waiting: !task.done_at && mine.length > 0,
              doneLine: done ? `${task.done_by ?? data.meLabel} · ${clock(Date.parse(doneAt), zone)}` : "",
              tick: () => tickTask(task.id),
            };
          })
          .filter((task) => stands || task.done || task.refused),
      };
    });
});

/** Restore checks to record: of bookings that still stand, from the meeting's booked end. */
defineView("roomRestoreTasks", async (data) => {
  const zone = data.zone;
  const today = todayIn(zone);
  const now = Date.now();
  const held = await holdings();
  const bookings = new Map(held.synced.map((booking) => [booking.id, booking]));
  const ticked = new Set((await waitingChanges(TICKS[1])).map((change) => change.task_id));
  const noShows = new Set((await waitingChanges("rooms.no_show@1")).map((change) => change.booking_id));
  const refused = new Set(
    (await all("refused")).filter((mutation) => mutation.name === TICKS[1]).map((mutation) => mutation.args.task_id),
  );
  return (await localRecords("room_task"))
    .filter((task) => task.kind === "restore" && !task.done_at && !ticked.has(task.id) && !refused.has(task.id))
    .filter((task) => {
      const booking = bookings.get(task.booking_id);
      const stands = booking?.state === "confirmed" && !noShows.has(booking.id);
      return stands && within(today, Date.parse(task.due_at)) && now >= Date.parse(booking.ends_at);
    })
    .sort((a, b) => a.due_at.localeCompare(b.due_at))
    .map((task) => {
      const booking = bookings.get(task.booking_id);
      const room = held.rooms.get(Number(booking.room_id));
      return {
        id: task.id,
        label: `${clock(Date.parse(booking.starts_at), zone)}–${clock(Date.parse(booking.ends_at), zone)} · ${room?.name ?? ""} · ${booking.title}`,
      };
    });
});

function explain(found, labels, data) {
  const reason = labels.reasons[found.reason] ?? found.reason;
  if (!found.day) return reason;
  return fill(data.explainedLabel, {
    reason,
    detail: fill(data.occurrenceLabel, { day: found.day, title: found.title }),
  });
}

/** Requests the server refused, each with why and what would be free instead. */
defineView("roomRefusals", async (data) => {
  const labels = JSON.parse(data.labels);
  const zone = data.zone;
  const held = await holdings();
  return (await all("refused"))
    .filter((mutation) => mutation.name === REQUEST)
    .map((mutation) => {
      const args = mutation.args;
      const room = held.rooms.get(Number(args.room_id));
      // The tablet's copy now holds what took the slot: it names the occurrence.
      const intervals = heldIntervals(held, zone, args.id);
      const found = verdict(args, held, zone, intervals) ?? { reason: mutation.reason };
      const offered = alternatives(args, held, zone, intervals);
      return {
        id: args.id,
        title: `${args.date} ${args.starts}–${args.ends} · ${room?.name ?? ""} · ${args.title}`,
        reason: mutation.message || labels.reasons[mutation.reason] || mutation.reason,
        detail: found.day ? fill(data.occurrenceLabel, { day: found.day, title: found.title }) : "",
        offers: offered.map((offer) => ({ ...offer, use: () => useInForm(offer.request) })),
        none: offered.length === 0,
      };
    });
});

// The request form's own check: a refusal names the reason, and what is free instead is
// offered beside the form, a tap away.
defineFormCheck("roomRequest", async (args) => {
  const view = document.querySelector("[data-room-check]");
  const offers = document.getElementById("room-request-offers");
  offers.replaceChildren();
  const labels = JSON.parse(view.dataset.labels);
  const zone = view.dataset.zone;
  const held = await holdings();
  const intervals = heldIntervals(held, zone, args.id);
  const found = verdict(args, held, zone, intervals);
  if (!found) return null;
  offers.append(
    view.dataset.offersLabel,
    " ",
    offerButtons(alternatives(args, held, zone, intervals), view.dataset.noneLabel),
  );
  return explain(found, labels, view.dataset);
});

// Once a sync has sent what a form saved on this device, its "saved on this device" gives
// way to the server's own answer.
document.addEventListener("kefu:synced", async () => {
  const waiting = new Set((await all("outbox")).map((mutation) => mutation.args?.id));
  for (const form of document.querySelectorAll("form[data-confirm-after-sync]")) {
    const saved = document.querySelector(`${form.dataset.result} .flash[data-entry]`);
    if (!saved || waiting.has(saved.dataset.entry)) continue;
    window.htmx?.ajax("GET", form.dataset.savedUrl.replace(NIL_ID, saved.dataset.entry), {
      target: form.dataset.result,
    });
  }
});

// What is due and what is overdue moves with the clock, not only with the data.
if (document.querySelector('[x-data="roomsToday"]')) {
  setInterval(() => document.dispatchEvent(new CustomEvent("kefu:changed")), MINUTE);
}

// --- Desktop: the grid pages by key ------------------------------------------------------

document.addEventListener("keydown", (event) => {
  const grid = document.querySelector("[data-room-grid]");
  if (!grid || event.target.closest("input, select, textarea") || event.altKey || event.ctrlKey || event.metaKey) {
    return;
  }
  const link = { "[": "[data-earlier]", "]": "[data-later]", t: "[data-today]" }[event.key];
  if (link) grid.querySelector(link)?.click();
});
