// The gate's rules on the tablet, as app/gate/rules.py states them for the server: working
// hours, and what a check of a pass answers from the tablet's copy of the pass list.

function minutesOf(clock) {
  const [hours, minutes] = clock.split(":").map(Number);
  return hours * 60 + minutes;
}

/** Whether local time `moment` is in working `hours` on working `days` (Monday is 0);
 * a range that ends before it starts runs past midnight and belongs to its first day. */
export function withinHours(moment, hours, days) {
  const weekday = (moment.getDay() + 6) % 7;
  const yesterday = (weekday + 6) % 7;
  const now = moment.getHours() * 60 + moment.getMinutes();
  return hours.some(([startText, endText]) => {
    const start = minutesOf(startText);
    const end = minutesOf(endText);
    if (start < end) return days.includes(weekday) && start <= now && now < end;
    return (days.includes(weekday) && now >= start) || (days.includes(yesterday) && now < end);
  });
}

function localDay(moment) {
  return moment.toLocaleDateString("sv");
}

/** What a check of a worker's pass answers now, from the tablet's copy. */
export function passAnswer(list, found, now) {
  const { pass, retired } = found;
  const permit = list.permits.get(pass.permit_id);
  const held = list.held.get(Number(pass.id));
  if (held) return { state: "valid_leaving", held };
  if (retired || pass.state === "revoked") return { state: "revoked", retired };
  const today = localDay(now);
  if (!permit || today < pass.valid_from || today > pass.valid_until || today > permit.ends_on) {
    return { state: "expired" };
  }
  if (permit.state !== "active") return { state: "suspended" };
  const hours = permit.hours ?? list.settings.hours;
  const days = permit.days ?? list.settings.days;
  if (!withinHours(now, hours, days)) return { state: "outside_hours" };
  return { state: "valid_entering" };
}

export function exitAnswer(list, exit, now) {
  const usedAt = list.exitUses.get(Number(exit.id)) ?? exit.released_at;
  if (usedAt) return { state: "used", usedAt };
  if (exit.valid_on !== localDay(now)) return { state: "expired" };
  return { state: "valid_release" };
}
