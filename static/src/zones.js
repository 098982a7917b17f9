// Wall-clock times in a property's time zone, whatever zone the tablet's own clock is in.
// Plain functions, no DOM: Node runs them too (static/tests, bench/patrol_bench.py).

const MINUTE = 60_000;
const formatters = new Map();

/** The wall clock of `zone` at instant `ms`: year, month, day, hour and minute as numbers. */
export function wallClock(ms, zone) {
  if (!formatters.has(zone)) {
    formatters.set(
      zone,
      new Intl.DateTimeFormat("en-US", {
        timeZone: zone,
        hourCycle: "h23",
        year: "numeric",
        month: "numeric",
        day: "numeric",
        hour: "numeric",
        minute: "numeric",
      }),
    );
  }
  const parts = Object.fromEntries(
    formatters
      .get(zone)
      .formatToParts(ms)
      .map((part) => [part.type, part.value]),
  );
  return { year: +parts.year, month: +parts.month, day: +parts.day, hour: +parts.hour, minute: +parts.minute };
}

function offsetAt(ms, zone) {
  const wall = wallClock(ms, zone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  return asUtc - Math.floor(ms / MINUTE) * MINUTE;
}

/** The instant of a local wall time (minutes past midnight, may run past the day). */
export function instantOf(year, month, day, minutes, zone) {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  return wall - offsetAt(wall - offsetAt(wall, zone), zone);
}
