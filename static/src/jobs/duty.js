// The duty log on the device: the user's entries of the day, synced and waiting.
import { clockTime, dayOf } from "../time.js";
import { defineView, localRecords, waitingChanges } from "../views.js";

defineView("dutyEntries", async (data) => {
  const categories = JSON.parse(data.categories);
  // The property's day, not the tablet's: a tablet set to another zone changes day elsewhere.
  const today = dayOf(Date.now());
  const waiting = (await waitingChanges(data.mutation)).map((entry) => ({ ...entry, waiting: true }));
  const synced = (await localRecords(data.kind)).map((entry) => ({ ...entry, waiting: false }));
  const shown = new Set();
  return [...waiting, ...synced]
    .filter((entry) => !shown.has(entry.id) && shown.add(entry.id))
    .filter((entry) => dayOf(entry.device_time) === today)
    .sort((a, b) => b.device_time.localeCompare(a.device_time))
    .map((entry) => ({
      id: entry.id,
      state: entry.waiting ? "waiting" : "synced",
      waiting: entry.waiting,
      time: clockTime(entry.device_time),
      line: `${categories[entry.category] ?? ""} · ${entry.text}`,
    }));
});
