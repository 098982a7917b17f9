import assert from "node:assert/strict";
import { test } from "node:test";
import { dueStatus, groupAreas, groupOf, placeName, slotsAround } from "../src/jobs/patrols-due.js";
import { instantOf } from "../src/zones.js";

// The cases of tests/test_patrols_schedule.py, as the tablet computes them.
const SHANGHAI = "Asia/Shanghai";
const at = (day, hour, minute) => Date.UTC(2026, 11, day, hour - 8, minute);
const HOURLY = { every_minutes: 60, starts: "08:00", ends: "20:00" };
const NIGHTS = { every_minutes: 120, starts: "22:00", ends: "06:00" };
const DAILY = { every_minutes: null, starts: "09:00", ends: null };

test("the lobby is due on the hour, overdue after the grace, done once walked", () => {
  assert.equal(dueStatus(HOURLY, [], at(1, 10, 5), SHANGHAI, 15).state, "due");
  const overdue = dueStatus(HOURLY, [], at(1, 10, 40), SHANGHAI, 15);
  assert.deepEqual([overdue.state, overdue.overdueMinutes], ["overdue", 40]);
  const done = dueStatus(HOURLY, [at(1, 10, 42)], at(1, 10, 50), SHANGHAI, 15);
  assert.deepEqual([done.state, done.doneAt], ["done", at(1, 10, 42)]);
  assert.equal(dueStatus(HOURLY, [at(1, 10, 42)], at(1, 11, 1), SHANGHAI, 15).state, "due");
});

test("nothing is due at night for a day schedule; the next slot is tomorrow at eight", () => {
  const night = dueStatus(HOURLY, [], at(1, 23, 0), SHANGHAI, 15);
  assert.deepEqual([night.state, night.next], ["idle", at(2, 8, 0)]);
});

test("between runs an area shows its latest round since the last slot began", () => {
  assert.equal(dueStatus(HOURLY, [at(1, 18, 5)], at(1, 22, 30), SHANGHAI, 15).doneAt, null);
  const rounds = [at(1, 18, 5), at(1, 20, 50), at(1, 22, 9)];
  const night = dueStatus(HOURLY, rounds, at(1, 22, 30), SHANGHAI, 15);
  assert.deepEqual([night.state, night.doneAt, night.next], ["idle", at(1, 22, 9), at(2, 8, 0)]);
  assert.equal(dueStatus(HOURLY, rounds, at(2, 8, 5), SHANGHAI, 15).state, "due");
});

test("a night schedule runs across midnight", () => {
  const starts = slotsAround(NIGHTS, at(1, 3, 0), SHANGHAI).map((slot) => slot.start);
  assert.ok(starts.includes(at(1, 0, 0)) && starts.includes(at(1, 6, 0)) && starts.includes(at(1, 22, 0)));
  assert.equal(dueStatus(NIGHTS, [at(0, 23, 50)], at(1, 0, 30), SHANGHAI, 15).state, "overdue");
});

test("a daily round lasts until the next day", () => {
  assert.equal(dueStatus(DAILY, [at(1, 16, 0)], at(2, 8, 59), SHANGHAI, 15).state, "done");
  assert.equal(dueStatus(DAILY, [at(1, 16, 0)], at(2, 9, 30), SHANGHAI, 15).state, "overdue");
});

test("slots follow the property's zone, not the device's", () => {
  const berlin = slotsAround(
    { every_minutes: 120, starts: "08:00", ends: "20:00" },
    Date.UTC(2026, 2, 29, 12),
    "Europe/Berlin",
  );
  assert.ok(berlin.some((slot) => slot.start === Date.UTC(2026, 2, 29, 6, 0)));
  assert.ok(berlin.some((slot) => slot.start === Date.UTC(2026, 2, 28, 7, 0)));
});

test("across a change of the clocks, every run starts at its local time", () => {
  const range = (from, to, step) => Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
  const runs = [
    [NIGHTS, range(22 * 60, 30 * 60, 120)],
    [HOURLY, range(8 * 60, 20 * 60, 60)],
    [{ every_minutes: 30, starts: "00:00", ends: "23:30" }, range(0, 23 * 60 + 30, 30)],
  ];
  const changes = [
    ["Europe/Berlin", 2026, 3, 29],
    ["Europe/Berlin", 2026, 10, 25],
    ["America/New_York", 2026, 3, 8],
    ["America/New_York", 2026, 11, 1],
  ];
  for (const [zone, year, month, day] of changes) {
    for (const [schedule, minutes] of runs) {
      const found = slotsAround(schedule, Date.UTC(year, month - 1, day, 12), zone).map((slot) => slot.start);
      const expected = new Set();
      for (let offset = -2; offset <= 1; offset += 1) {
        for (const minute of minutes) expected.add(instantOf(year, month, day + offset, minute, zone));
      }
      assert.deepEqual(
        found,
        [...expected].sort((a, b) => a - b),
        `${zone} ${month}/${day} every ${schedule.every_minutes}`,
      );
    }
  }
});

test("a place names its building only where the property has more than one", () => {
  const desk = { building: "副楼", floor: "1F", name: "前台" };
  assert.equal(placeName(desk, 1), "1F · 前台");
  assert.equal(placeName(desk, 2), "副楼 1F · 前台");
});

test("the list's groups: overdue, then still to walk, then walked; between runs by the last round", () => {
  assert.deepEqual(
    ["overdue", "due", "open", "unscheduled", "done"].map((state) => groupOf(state, false)),
    ["overdue", "due", "due", "due", "done"],
  );
  assert.equal(groupOf("idle", false), "due");
  assert.equal(groupOf("idle", true), "done");
});

test("the groups come overdue first, each with its count, empty ones left out, order kept", () => {
  const areas = [
    { id: 1, group: "done" },
    { id: 2, group: "overdue" },
    { id: 3, group: "done" },
    { id: 4, group: "overdue" },
  ];
  const groups = groupAreas(areas);
  assert.deepEqual(
    groups.map(({ group, count, items }) => [group, count, items.map((area) => area.id)]),
    [
      ["overdue", 2, [2, 4]],
      ["done", 2, [1, 3]],
    ],
  );
  assert.deepEqual(groupAreas([]), []);
});
