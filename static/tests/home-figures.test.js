import assert from "node:assert/strict";
import { test } from "node:test";
import {
  areasDue,
  draftKind,
  duplicatesHeld,
  onDayOf,
  placeName,
  roomTasksToDo,
  workersByCompany,
} from "../src/home-figures.js";

const SHANGHAI = "Asia/Shanghai";
// Shanghai's wall clock on 2 December 2026, as an instant.
const at = (hour, minute = 0, day = 2) => Date.UTC(2026, 11, day, hour - 8, minute);
const iso = (ms) => new Date(ms).toISOString();

const AREAS = [
  { id: "1", name: "大堂", floor: "1F", level: 1, building: "主楼" },
  { id: "2", name: "12层办公区", floor: "12F", level: 12, building: "主楼" },
  { id: "3", name: "设备房", floor: "B1", level: -1, building: "主楼" },
  { id: "4", name: "前台", floor: "1F", level: 1, building: "主楼" },
];
const SCHEDULES = [
  { area_id: 1, every_minutes: 60, starts: "08:00", ends: "20:00" },
  { area_id: 2, every_minutes: 120, starts: "08:00", ends: "20:00" },
  { area_id: 3, every_minutes: null, starts: "09:00", ends: null },
];

test("areas overdue come longest first, due ones by floor; a round covers its slot", () => {
  // 10:20: the lobby's 10:00 slot is due, floor 12's 10:00 too, the plant room since 09:00.
  let found = areasDue(AREAS, SCHEDULES, [], at(10, 20), SHANGHAI, 15);
  assert.deepEqual(
    found.overdue.map((area) => [area.name, area.overdueMinutes]),
    [
      ["B1 · 设备房", 80],
      ["1F · 大堂", 20],
      ["12F · 12层办公区", 20],
    ],
  );
  assert.deepEqual(found.due, []);
  found = areasDue(AREAS, SCHEDULES, [{ area_id: 3, started_at: iso(at(10, 5)) }], at(10, 10), SHANGHAI, 15);
  assert.deepEqual(
    found.due.map((area) => area.name),
    ["1F · 大堂", "12F · 12层办公区"],
  );
  assert.deepEqual(found.overdue, [], "the plant room is walked, the others within the grace");
});

test("an area with no schedule is never due", () => {
  const found = areasDue(AREAS, SCHEDULES, [], at(10, 20), SHANGHAI, 15);
  assert.ok(![...found.overdue, ...found.due].some((area) => area.id === 4));
});

test("places are named with their building only where there are several", () => {
  assert.equal(placeName({ building: "副楼", floor: "1F", name: "前台" }, 2), "副楼 1F · 前台");
  assert.equal(placeName({ building: "副楼", floor: "1F", name: "前台" }, 1), "1F · 前台");
});

const BOOKINGS = [
  { id: "a", state: "confirmed", room_id: 1 },
  { id: "b", state: "cancelled", room_id: 1 },
  { id: "c", state: "pending", room_id: 2 },
];
const task = (id, booking, kind, hour, minute = 0, done = null) => ({
  id,
  booking_id: booking,
  kind,
  due_at: iso(at(hour, minute)),
  done_at: done,
});

test("room tasks still to do: today's, of bookings that hold, not done nor ticked, soonest first", () => {
  const tasks = [
    task("t1", "a", "layout", 9, 30),
    task("t2", "a", "tea", 9, 45),
    task("t3", "a", "restore", 9, 0),
    task("t4", "b", "layout", 13, 30), // the cancelled booking's
    task("t5", "c", "layout", 14, 30),
    task("t6", "a", "greet", 9, 50, iso(at(9, 49))), // done
    { ...task("t7", "c", "layout", 9, 0), due_at: iso(at(9, 0, 3)) }, // tomorrow
  ];
  const toDo = roomTasksToDo(tasks, BOOKINGS, new Set(["t2"]), at(9, 40), SHANGHAI);
  assert.deepEqual(
    toDo.map((found) => [found.task.id, found.late]),
    [
      ["t3", false], // a restore check is due from its time, never late
      ["t1", true],
      ["t5", false],
    ],
  );
});

test("a midnight in Shanghai is not the device's: the day is the property's", () => {
  // 23:30 on the 1st and 00:30 on the 2nd in Shanghai are both the 1st in UTC.
  assert.equal(onDayOf(at(0, 30), at(23, 30, 1), SHANGHAI), false);
  assert.equal(onDayOf(at(0, 30), at(23, 30), SHANGHAI), true);
});

test("duplicates held come longest first, those of an earlier day marked", () => {
  const held = new Map([
    [7, { since: iso(at(8, 10)), pass: { number: 7, permit_id: 1 } }],
    [9, { since: iso(at(18, 0, 1)), pass: { number: 9, permit_id: 2 } }],
    [3, { since: iso(at(9, 0)), pass: { number: 3, permit_id: 1 } }],
  ]);
  const found = duplicatesHeld(held, at(10), SHANGHAI);
  assert.deepEqual(
    found.map((duplicate) => [duplicate.passId, duplicate.earlier]),
    [
      [9, true],
      [7, false],
      [3, false],
    ],
  );
  const companies = { 1: "鑫达装饰", 2: "顺安水电" };
  assert.deepEqual(
    workersByCompany(found, (pass) => companies[pass.permit_id]),
    [
      ["鑫达装饰", 2],
      ["顺安水电", 1],
    ],
  );
});

test("a draft is named by the job whose key it begins with", () => {
  const kinds = [
    { key: "patrol-round:", label: "未提交的巡视" },
    { key: "room-request", label: "会议室申请" },
  ];
  assert.equal(draftKind({ form: "patrol-round:12" }, kinds).label, "未提交的巡视");
  assert.equal(draftKind({ form: "room-request" }, kinds).label, "会议室申请");
  assert.equal(draftKind({ form: "duty-entry" }, kinds), null);
});
