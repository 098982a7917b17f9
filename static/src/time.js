// Times as the tablet shows them: hours and minutes on its own clock, 24-hour.

export function clockTime(moment) {
  return new Date(moment).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}
