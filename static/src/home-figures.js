// Today's work on a tablet's home page, worked out from what the tablet holds: plain
// functions of records and times, no DOM, so that Node runs them too (static/tests). The
// modules static/src/jobs/*-home.js read the records and show what these find.
import { dueStatus } from "./jobs/patrols-due.js";
import { wallClock } from "./zones.js";

const sameDay = (a, b) => a.year === b.year && a.month === b.month && a.day === b.day;

/** Whether instant `ms` falls on the same day as `now` on the clocks of `zone`. */
export function onDayOf(ms, now, zone) {
  return sameDay(wallClock(ms, zone), wallClock(now, zone));
}

/** "副楼 1F · 前台" where the property has more than one building, "1F · 前台" where not. */
export function placeName(area, buildings) {
  const floor = buildings > 1 && area.building ? `${area.building} ${area.floor}` : area.floor;
  return `${floor} · ${area.name}`;
}

/**
 * The scheduled areas that are overdue or due at `now`: `{overdue, due}`, each a list of
 * `{id, name, overdueMinutes}`, the longest overdue first. `rounds` are the rounds the
 * tablet knows (`{area_id, started_at}`), synced or waiting.
 */
export function areasDue(areas, schedules, rounds, now, zone, graceMinutes) {
  const scheduleOf = new Map(schedules.map((schedule) => [Number(schedule.area_id), schedule]));
  const startsOf = new Map();
  for (const round of rounds) {
    const areaId = Number(round.area_id);
    if (!startsOf.has(areaId)) startsOf.set(areaId, []);
    startsOf.get(areaId).push(Date.parse(round.started_at));
  }
  const buildings = new Set(areas.map((area) => area.building)).size;
  const found = { overdue: [], due: [] };
  for (const area of areas) {
    const schedule = scheduleOf.get(Number(area.id));
    if (!schedule) continue;
    const status = dueStatus(schedule, startsOf.get(Number(area.id)) ?? [], now, zone, graceMinutes);
    if (status.state !== "overdue" && status.state !== "due") continue;
    found[status.state].push({
      id: Number(area.id),
      name: placeName(area, buildings),
      level: area.level,
      overdueMinutes: status.overdueMinutes,
    });
  }
  found.overdue.sort((a, b) => b.overdueMinutes - a.overdueMinutes || a.level - b.level);
  found.due.sort((a, b) => a.level - b.level || a.name.localeCompare(b.name));
  return found;
}

const HOLDING = new Set(["pending", "confirmed"]);

/**
 * The room tasks of today still to do, soonest first: `{task, booking, due, late}`. A
 * task is done once the server says so or a tick of it waits in the outbox (`ticked`,
 * task ids); a booking that no longer holds its room has no tasks to do. A setup task past
 * its time is late; the restore check is only due from its time on.
 */
export function roomTasksToDo(tasks, bookings, ticked, now, zone) {
  const bookingOf = new Map(bookings.map((booking) => [booking.id, booking]));
  return tasks
    .map((task) => ({ task, booking: bookingOf.get(task.booking_id), due: Date.parse(task.due_at) }))
    .filter(({ booking, due }) => booking && HOLDING.has(booking.state) && onDayOf(due, now, zone))
    .filter(({ task }) => !task.done_at && !ticked.has(task.id))
    .map((found) => ({ ...found, late: found.task.kind !== "restore" && found.due < now }))
    .sort((a, b) => a.due - b.due);
}

/** The duplicates held at the gate (`held`: pass id → `{since, pass}`), longest held
 * first, each marked when it was handed in on an earlier day than `now`'s. */
export function duplicatesHeld(held, now, zone) {
  return [...held.entries()]
    .map(([passId, { since, pass }]) => ({ passId, since: Date.parse(since), pass }))
    .map((found) => ({ ...found, earlier: !onDayOf(found.since, now, zone) }))
    .sort((a, b) => a.since - b.since);
}

/** How many of the workers on site each company has, most first: [[company, count]]. */
export function workersByCompany(held, companyOf) {
  const counts = new Map();
  for (const { pass } of held) {
    const company = companyOf(pass) ?? "";
    counts.set(company, (counts.get(company) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Whether the drafts kept on the device under `key` include `draft` (app.jobs.Draft). */
export function draftKind(draft, kinds) {
  return kinds.find((kind) => String(draft.form).startsWith(kind.key)) ?? null;
}
