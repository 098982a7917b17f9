// What meeting rooms show on the floor tablet's home: today's setup and restore tasks
// still to do, soonest first, from the bookings and tasks the tablet holds and its ticks
// still waiting to sync.
import { defineFigure } from "../home.js";
import { roomTasksToDo } from "../home-figures.js";
import { clockTime, propertyZone } from "../time.js";
import { localRecords, waitingChanges } from "../views.js";

const TICKS = ["rooms.tick@1", "rooms.restore@1"];

defineFigure("rooms.tasks", async ({ labels, href }) => {
  const [tasks, bookings, rooms, ...waiting] = await Promise.all([
    localRecords("room_task"),
    localRecords("booking"),
    localRecords("room"),
    ...TICKS.map(waitingChanges),
  ]);
  const ticked = new Set(waiting.flat().map((change) => change.task_id));
  const roomOf = new Map(rooms.map((room) => [Number(room.id), room]));
  const toDo = roomTasksToDo(tasks, bookings, ticked, Date.now(), propertyZone());
  return {
    count: toDo.length,
    alert: toDo.some((found) => found.late),
    lines: toDo.map(({ task, booking, due, late }) => ({
      text: [clockTime(due), roomOf.get(Number(booking.room_id))?.name, labels.tasks[task.kind], late && labels.overdue]
        .filter(Boolean)
        .join(" · "),
      href,
    })),
  };
});
