// When an area is due, worked out on the tablet from its schedule and the rounds it
// knows, so that the patrol list is right offline: the rules of app/patrols/schedule.py
// (a slot lasts until the next; a round begun in it covers it; overdue after the grace),
// and how the list groups and names the areas. Plain functions, no DOM:
// bench/patrol_bench.py runs them in Node too.
import { instantOf, wallClock } from "../zones.js";

const MINUTE = 60_000;
const DAY_MINUTES = 1440;

function minutesOf(hhmm) {
  const [hours, minutes] = hhmm.split(":").map(Number);
  return hours * 60 + minutes;
}

function runMinutes(schedule) {
  const first = minutesOf(schedule.starts);
  if (!schedule.every_minutes) return [first];
  let last = minutesOf(schedule.ends ?? schedule.starts);
  if (last < first) last += DAY_MINUTES; // runs past midnight
  const times = [];
  for (let minute = first; minute <= last; minute += schedule.every_minutes) times.push(minute);
  return times;
}

// Areas share a few schedules: each one's slots of a local day are worked out once.
const slotCache = new Map();

/** The slots of a schedule around `now`: [{start, end}] in ms, in order. */
export function slotsAround(schedule, now, zone) {
  const today = dayOf(now, zone);
  const key = [schedule.every_minutes, schedule.starts, schedule.ends, zone, today.year, today.month, today.day].join();
  if (!slotCache.has(key)) {
    if (slotCache.size > 100) slotCache.clear();
    slotCache.set(key, daySlots(schedule, today, zone));
  }
  return slotCache.get(key);
}

// The list asks for the day of one instant once per area.
let lastDay = { now: null, zone: null, day: null };

function dayOf(now, zone) {
  if (lastDay.now !== now || lastDay.zone !== zone) lastDay = { now, zone, day: wallClock(now, zone) };
  return lastDay.day;
}

function daySlots(schedule, today, zone) {
  const starts = new Set();
  const minutes = runMinutes(schedule);
  const [first, last] = [minutes[0], minutes[minutes.length - 1]];
  for (let offset = -2; offset <= 1; offset += 1) {
    const day = [today.year, today.month, today.day + offset];
    const begins = instantOf(...day, first, zone);
    // Where the zone's clocks do not change between the first run and the last, runs are
    // whole minutes apart: two look-ups of the zone a day rather than one a run.
    const even = instantOf(...day, last, zone) - begins === (last - first) * MINUTE;
    for (const minute of minutes) {
      starts.add(even ? begins + (minute - first) * MINUTE : instantOf(...day, minute, zone));
    }
  }
  const length = (schedule.every_minutes || DAY_MINUTES) * MINUTE;
  const sorted = [...starts].sort((a, b) => a - b);
  return sorted.map((start, index) => ({
    start,
    end: index + 1 < sorted.length ? Math.min(start + length, sorted[index + 1]) : start + length,
  }));
}

/**
 * Where an area stands at `now` (ms): `{state, slot, doneAt, overdueMinutes, next}`,
 * state one of idle, due, overdue, done. `rounds` are the start times (ms) of its rounds.
 * `doneAt` is the round covering the running slot or, when none runs, the latest since
 * the last one began.
 */
export function dueStatus(schedule, rounds, now, zone, graceMinutes) {
  const slots = slotsAround(schedule, now, zone);
  const slot = slots.find((candidate) => candidate.start <= now && now < candidate.end) ?? null;
  const next = slots.find((candidate) => candidate.start > now)?.start ?? null;
  if (!slot) {
    // Between runs the list still says who walked the area last, since the last slot began.
    const since = slots.findLast((candidate) => candidate.end <= now)?.start ?? now;
    const recent = rounds.filter((time) => since <= time && time <= now);
    return { state: "idle", slot, doneAt: recent.length ? Math.max(...recent) : null, overdueMinutes: 0, next };
  }
  const covering = rounds.filter((time) => slot.start <= time && time < slot.end);
  if (covering.length) return { state: "done", slot, doneAt: Math.min(...covering), overdueMinutes: 0, next };
  const late = now - slot.start;
  if (late <= graceMinutes * MINUTE) return { state: "due", slot, doneAt: null, overdueMinutes: 0, next };
  return { state: "overdue", slot, doneAt: null, overdueMinutes: Math.floor(late / MINUTE), next };
}

/**
 * An area as the patrol list and the round name it: "1F · 大堂", with its building first
 * ("副楼 1F · 前台") where the property has more than one.
 */
export function placeName(area, buildingCount) {
  const place = `${area.floor} · ${area.name}`;
  return buildingCount > 1 ? `${area.building} ${place}` : place;
}

const GROUP_ORDER = ["overdue", "due", "done"];

/** The group of the patrol list an area belongs to: walked is whether it shows a round. */
export function groupOf(state, walked) {
  if (state === "overdue" || state === "done") return state;
  return state === "idle" && walked ? "done" : "due";
}

/**
 * The patrol list by group, overdue first, then still to walk, then walked: each group
 * that has areas, as `{group, count, items}`, its areas in the order given.
 */
export function groupAreas(areas) {
  return GROUP_ORDER.map((group) => {
    const items = areas.filter((area) => area.group === group);
    return { group, count: items.length, items };
  }).filter((found) => found.count > 0);
}
