import "./browser.js";
import assert from "node:assert/strict";
import { test } from "node:test";
import { clockTime, dayOf } from "../src/time.js";

test("a moment's clock time and day are the property's, not the device's", () => {
  // 23:50 UTC on 3 December is 07:50 on 4 December in Shanghai.
  const moment = "2026-12-03T23:50:00Z";
  assert.equal(clockTime(moment, "Asia/Shanghai"), "07:50");
  assert.equal(dayOf(moment, "Asia/Shanghai"), "2026-12-04");
  assert.equal(dayOf(Date.parse(moment), "UTC"), "2026-12-03");
  assert.equal(dayOf(new Date(moment), "America/New_York"), "2026-12-03");
});
