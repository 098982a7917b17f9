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
import { defineView, localRecords, waitingChanges } from "../views.js";
import { instantOf as instantAt, wallClock } from "../zones.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const NO_SHOW_AFTER = 15 * MINUTE;
const HOLDING = new Set(["pending", "confirmed"]);
const SEARCH_STEP = 15 * MINUTE;
const ALTERNATIVES = 3;
const REQUEST = "rooms.request@1";

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

const clock = (ms, zone) => partsIn(zone, ms).time;

/** Nearest free times of the same length in the request's room on its day, and the other
 * rooms that could take it at the requested time. */
function alternatives(args, held, zone, intervals) {
  const room = held.rooms.get(Number(args.room_id));
  const times = [];
  if (room) {
    const length = instantOf(args.date, args.ends, zone) - instantOf(args.date, args.starts, zone);
    const opens = instantOf(args.date, room.opens_at, zone);
    const closes = instantOf(args.date, room.closes_at, zone);
    const wanted = instantOf(args.date, args.starts, zone);
    const candidates = [];
    for (let from = opens; from + length <= closes; from += SEARCH_STEP) candidates.push(from);
    candidates.sort((a, b) => Math.abs(a - wanted) - Math.abs(b - wanted));
    for (const from of candidates) {
      if (from === wanted) continue;
      const probe = { ...args, starts: clock(from, zone), ends: clock(from + length, zone), repeat: "none" };
      if (!clash(intervals, room.id, occurrences(probe, room, zone))) times.push(probe);
      if (times.length === ALTERNATIVES) break;
    }
    times.sort((a, b) => a.starts.localeCompare(b.starts));
  }
  const rooms = [...held.rooms.values()].filter(
    (other) =>
      other.id !== room?.id && !unfit(other, args) && !clash(intervals, other.id, occurrences(args, other, zone)),
  );
  return { times: times.map((t) => `${t.starts}–${t.ends}`), rooms: rooms.map((r) => r.name) };
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
  const ticks = [...(await waitingChanges("rooms.tick@1")), ...(await waitingChanges("rooms.restore@1"))];
  const noShows = new Set((await waitingChanges("rooms.no_show@1")).map((change) => change.booking_id));
  const refused = new Set((await all("refused")).map((mutation) => mutation.args?.id));
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
      return {
        id: item.id,
        state: item.state,
        when: `${clock(item.from, zone)}–${clock(item.until, zone)}`,
        where: room ? `${room.floor} · ${room.name}` : "",
        title: item.title,
        who: `${item.company} · ${item.organiser} · ${item.phone}`,
        status: item.waiting
          ? data.waitingLabel
          : [labels.states[item.state] ?? item.state, item.reject_reason].filter(Boolean).join(": "),
        setup: [labels.layouts[item.layout], ...(item.equipment ?? []).map((e) => labels.equipment[e])]
          .concat(item.tea_for ? [fill(data.teaLabel, { count: item.tea_for })] : [])
          .join(" · "),
        canNoShow: item.state === "confirmed" && late && !noShows.has(item.id),
        noShowWaiting: noShows.has(item.id),
        markNoShow: () => markNoShow(item.id),
        tasks: tasks
          .filter((task) => task.booking_id === item.id)
          .sort((a, b) => a.due_at.localeCompare(b.due_at))
          .map((task) => {
            const mine = ticks.filter((tick) => tick.task_id === task.id);
            const done = Boolean(task.done_at) || mine.length > 0;
            const doneAt = task.done_at ?? mine[0]?.device_time;
            return {
              id: task.id,
              label: labels.tasks[task.kind],
              due: clock(Date.parse(task.due_at), zone),
              done,
              css: done ? "done" : "open",
              restore: task.kind === "restore",
              waiting: !task.done_at && mine.length > 0,
              doneLine: done ? `${task.done_by ?? data.meLabel} · ${clock(Date.parse(doneAt), zone)}` : "",
              tick: () => tickTask(task.id),
            };
          }),
      };
    });
});

defineView("roomRestoreTasks", async (data) => {
  const zone = data.zone;
  const today = todayIn(zone);
  const held = await holdings();
  const bookings = new Map(held.synced.map((booking) => [booking.id, booking]));
  const ticked = new Set((await waitingChanges("rooms.restore@1")).map((change) => change.task_id));
  return (await localRecords("room_task"))
    .filter((task) => task.kind === "restore" && !task.done_at && !ticked.has(task.id))
    .filter((task) => bookings.has(task.booking_id) && within(today, Date.parse(task.due_at)))
    .sort((a, b) => a.due_at.localeCompare(b.due_at))
    .map((task) => {
      const booking = bookings.get(task.booking_id);
      const room = held.rooms.get(Number(booking.room_id));
      return {
        id: task.id,
        label: `${clock(Date.parse(booking.ends_at), zone)} · ${room?.name ?? ""} · ${booking.title}`,
      };
    });
});

function explain(found, labels, data) {
  const reason = labels.reasons[found.reason] ?? found.reason;
  return found.day ? `${reason}: ${fill(data.occurrenceLabel, { day: found.day, title: found.title })}` : reason;
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
        reason: mutation.message || explain({ reason: mutation.reason }, labels, data),
        detail: found.day ? explain(found, labels, data) : "",
        times: offered.times.join(", ") || data.noneLabel,
        rooms: offered.rooms.join(", ") || data.noneLabel,
      };
    });
});

// The request form's own check: a refusal names the reason and what is free instead.
defineFormCheck("roomRequest", async (args) => {
  const view = document.querySelector("[data-room-check]");
  const labels = JSON.parse(view.dataset.labels);
  const zone = view.dataset.zone;
  const held = await holdings();
  const intervals = heldIntervals(held, zone, args.id);
  const found = verdict(args, held, zone, intervals);
  if (!found) return null;
  const offered = alternatives(args, held, zone, intervals);
  return [
    explain(found, labels, view.dataset),
    fill(view.dataset.timesLabel, { times: offered.times.join(", ") || view.dataset.noneLabel }),
    fill(view.dataset.roomsLabel, { rooms: offered.rooms.join(", ") || view.dataset.noneLabel }),
  ].join(" ");
});

// --- Desktop: the grid pages by key ------------------------------------------------------

document.addEventListener("keydown", (event) => {
  const grid = document.querySelector("[data-room-grid]");
  if (!grid || event.target.closest("input, select, textarea") || event.altKey || event.ctrlKey || event.metaKey) {
    return;
  }
  const link = { "[": "[data-earlier]", "]": "[data-later]", t: "[data-today]" }[event.key];
  if (link) grid.querySelector(link)?.click();
});
