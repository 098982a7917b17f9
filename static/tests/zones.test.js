import assert from "node:assert/strict";
import { test } from "node:test";
import { instantOf, wallClock } from "../src/zones.js";

test("a wall time of the property's zone is the instant its clock shows it", () => {
  assert.equal(instantOf(2026, 12, 1, 9 * 60, "Asia/Shanghai"), Date.UTC(2026, 11, 1, 1, 0));
  assert.deepEqual(wallClock(Date.UTC(2026, 11, 1, 16, 30), "Asia/Shanghai"), {
    year: 2026,
    month: 12,
    day: 2,
    hour: 0,
    minute: 30,
  });
});

test("minutes past midnight run on into the next day, across a change of offset", () => {
  // Europe/Berlin leaves summer time at 03:00 on 25 October 2026.
  const noonAfter = instantOf(2026, 10, 24, 36 * 60, "Europe/Berlin");
  assert.equal(noonAfter, Date.UTC(2026, 9, 25, 11, 0));
  assert.equal(wallClock(noonAfter, "Europe/Berlin").hour, 12);
});
