// Times as the tablet shows them: hours and minutes, 24-hour, on the clocks of the page's
// property (the office shows that zone too), whatever zone the tablet itself is set to.
import { wallClock } from "./zones.js";

/** The time zone of the property the page belongs to; the device's own on pages of none. */
export function propertyZone() {
  return document.body?.dataset.zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const twoDigits = (number) => String(number).padStart(2, "0");

/** "HH:mm" of `moment` (an ISO text, a Date or milliseconds) in `zone`. */
export function clockTime(moment, zone = propertyZone()) {
  const wall = wallClock(new Date(moment).getTime(), zone);
  return `${twoDigits(wall.hour)}:${twoDigits(wall.minute)}`;
}

/** The date ("YYYY-MM-DD") of `moment` on the calendar of `zone`: what "today" is there. */
export function dayOf(moment, zone = propertyZone()) {
  const wall = wallClock(new Date(moment).getTime(), zone);
  return `${wall.year}-${twoDigits(wall.month)}-${twoDigits(wall.day)}`;
}
