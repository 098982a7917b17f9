// The duty log on the device: the holder's entries of the day, synced and waiting. A
// shared tablet holds every holder's of the day (the pull sends them): each sees their own.
import { holder } from "../holder.js";
import { clockTime, dayOf } from "../time.js";
import { defineView, localRecords, waitingChanges } from "../views.js";

defineView("dutyEntries", async (data) => {
  const categories = JSON.parse(data.categories);
  // The property's day, not the tablet's: a tablet set to another zone changes day elsewhere.
  const today = dayOf(Date.now());
  const holderId = (await holder())?.id ?? Number(document.body.dataset.userId);
  const waiting = (await waitingChanges(data.mutation)).map((entry) => ({
    ...entry,
    waiting: true,
    madeBy: entry.acting_user_id,
  }));
  const synced = (await localRecords(data.kind)).map((entry) => ({
    ...entry,
    waiting: false,
    madeBy: entry.created_by_id,
  }));
  const shown = new Set();
  // An entry that does not say who made it (kept from before they did) is the holder's.
  const madeByTheHolder = (entry) => entry.madeBy === undefined || entry.madeBy === holderId;
  return [...waiting, ...synced]
    .filter((entry) => !shown.has(entry.id) && shown.add(entry.id))
    .filter(madeByTheHolder)
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
