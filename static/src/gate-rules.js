// The gate's rules on the tablet, as app/gate/rules.py states them for the server: working
// hours, and what a check of a pass answers from the tablet's copy of the pass list. Days
// and hours are the property's (its zone), whatever zone the tablet's own clock is in.
import { wallClock } from "./zones.js";

function minutesOf(clock) {
  const [hours, minutes] = clock.split(":").map(Number);
  return hours * 60 + minutes;
}

const twoDigits = (number) => String(number).padStart(2, "0");

/** The property's wall clock at `moment`: its day ("2026-11-30"), weekday (Monday is 0)
 * and minutes past midnight. */
function propertyClock(moment, zone) {
  const wall = wallClock(new Date(moment).getTime(), zone);
  return {
    day: `${wall.year}-${twoDigits(wall.month)}-${twoDigits(wall.day)}`,
    weekday: (new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay() + 6) % 7,
    minutes: wall.hour * 60 + wall.minute,
  };
}

/** Whether `moment` is, on the clocks of `zone`, in working `hours` on working `days`
 * (Monday is 0); a range that ends before it starts runs past midnight and belongs to
 * its first day. */
export function withinHours(moment, hours, days, zone) {
  const { weekday, minutes: now } = propertyClock(moment, zone);
  const yesterday = (weekday + 6) % 7;
  return hours.some(([startText, endText]) => {
    const start = minutesOf(startText);
    const end = minutesOf(endText);
    if (start < end) return days.includes(weekday) && start <= now && now < end;
    return (days.includes(weekday) && now >= start) || (days.includes(yesterday) && now < end);
  });
}

/** What a check of a worker's pass answers at `now`, from the tablet's copy, judged on
 * the clocks of the property's `zone`. */
export function passAnswer(list, found, now, zone) {
  const { pass, retired } = found;
  const permit = list.permits.get(pass.permit_id);
  const held = list.held.get(Number(pass.id));
  if (held) return { state: "valid_leaving", held };
  if (retired || pass.state === "revoked") return { state: "revoked", retired };
  const { day: today } = propertyClock(now, zone);
  if (!permit || today < pass.valid_from || today > pass.valid_until || today > permit.ends_on) {
    return { state: "expired" };
  }
  if (permit.state !== "active") return { state: "suspended" };
  const hours = permit.hours ?? list.settings.hours;
  const days = permit.days ?? list.settings.days;
  if (!withinHours(now, hours, days, zone)) return { state: "outside_hours", hours, days };
  return { state: "valid_entering" };
}

/** What a check of an exit pass answers at `now`: valid once, on its day at the property. */
export function exitAnswer(list, exit, now, zone) {
  const usedAt = list.exitUses.get(Number(exit.id)) ?? exit.released_at;
  if (usedAt) return { state: "used", usedAt };
  if (exit.valid_on !== propertyClock(now, zone).day) return { state: "expired" };
  return { state: "valid_release" };
}
