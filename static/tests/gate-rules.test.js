import assert from "node:assert/strict";
import { test } from "node:test";
import { exitAnswer, passAnswer, withinHours } from "../src/gate-rules.js";
import { instantOf } from "../src/zones.js";

// The tablet's own clock is set to another zone than the property's: the rules read the
// property's clocks, never the device's (each test file runs in a process of its own).
process.env.TZ = "America/Los_Angeles";
const ZONE = "Asia/Shanghai";

// The cases of tests/test_gate_rules.py: the tablet and the server agree.
const MONDAY = 0;
// The instant the property's clocks read that time, `days` after Monday 30 November 2026.
const at = (days, hours, minutes = 0) => new Date(instantOf(2026, 11, 30 + days, hours * 60 + minutes, ZONE));
const DEFAULT = [
  ["08:00", "12:00"],
  ["14:00", "18:00"],
];
const NIGHT = [["22:00", "02:00"]];
const MON_TO_SAT = [0, 1, 2, 3, 4, 5];

test("the default hours are mornings and afternoons, Monday to Saturday", () => {
  assert.equal(new Date().getTimezoneOffset() > 0, true, "the device is west of Greenwich");
  assert.equal(at(MONDAY, 9).getDay(), 0, "09:00 Monday in Shanghai is still Sunday on the device");
  for (const [moment, inside] of [
    [at(0, 8), true],
    [at(0, 7, 59), false],
    [at(0, 12), false],
    [at(0, 13), false],
    [at(0, 17, 59), true],
    [at(5, 9), true],
    [at(6, 9), false],
  ]) {
    assert.equal(withinHours(moment, DEFAULT, MON_TO_SAT, ZONE), inside, String(moment));
  }
});

test("a night shift runs past midnight and belongs to the day it starts", () => {
  for (const [moment, inside] of [
    [at(0, 23), true],
    [at(0, 1), false],
    [at(1, 1), true],
    [at(1, 2), false],
    [at(5, 23), true],
    [at(6, 1, 30), true],
    [at(6, 23), false],
  ]) {
    assert.equal(withinHours(moment, NIGHT, MON_TO_SAT, ZONE), inside, String(moment));
  }
});

function listOf({ pass = {}, permit = {}, held = false }) {
  const worker = {
    id: "7",
    permit_id: 3,
    state: "live",
    valid_from: "2026-11-01",
    valid_until: "2026-12-31",
    ...pass,
  };
  return {
    worker,
    list: {
      settings: { hours: DEFAULT, days: MON_TO_SAT },
      permits: new Map([[3, { state: "active", ends_on: "2026-12-31", hours: null, days: null, ...permit }]]),
      held: new Map(held ? [[7, { since: "2026-11-30T08:12:00+08:00" }]] : []),
      exitUses: new Map(),
    },
  };
}

test("a check answers each state from the tablet's copy", () => {
  const nine = at(0, 9);
  const answer = (options, moment = nine, retired = false) => {
    const { list, worker } = listOf(options);
    return passAnswer(list, { pass: worker, retired }, moment, ZONE).state;
  };
  assert.equal(answer({}), "valid_entering");
  assert.equal(answer({ held: true }), "valid_leaving");
  assert.equal(answer({ held: true, pass: { state: "revoked" } }), "valid_leaving");
  assert.equal(answer({ pass: { state: "revoked" } }), "revoked");
  assert.equal(answer({}, nine, true), "revoked");
  assert.equal(answer({ pass: { valid_until: "2026-11-29" } }), "expired");
  // The day after its last day, early in the morning at the property, the pass has ended;
  // on its last day, late in the evening, it still holds.
  assert.equal(answer({ pass: { valid_until: "2026-11-29" } }, at(0, 0, 30)), "expired");
  assert.equal(answer({ pass: { valid_until: "2026-11-30" } }, at(0, 17, 30)), "valid_entering");
  assert.equal(answer({ permit: { state: "suspended" } }), "suspended");
  assert.equal(answer({}, at(0, 13)), "outside_hours");
  const { list, worker } = listOf({});
  assert.deepEqual(passAnswer(list, { pass: worker }, at(0, 13), ZONE).hours, DEFAULT);
  assert.equal(answer({ permit: { hours: [["12:00", "14:00"]] } }, at(0, 13)), "valid_entering");
});

test("an exit pass releases once, on its day", () => {
  const { list } = listOf({});
  const exit = { id: "2", valid_on: "2026-11-30", released_at: null };
  assert.equal(exitAnswer(list, exit, at(0, 9), ZONE).state, "valid_release");
  assert.equal(exitAnswer(list, exit, at(1, 9), ZONE).state, "expired");
  // Its day is the property's: just after midnight there, the device's day is the one before.
  assert.equal(exitAnswer(list, exit, at(0, 0, 5), ZONE).state, "valid_release");
  assert.equal(exitAnswer(list, exit, at(0, 23, 55), ZONE).state, "valid_release");
  list.exitUses.set(2, "2026-11-30T09:00:00+08:00");
  assert.equal(exitAnswer(list, exit, at(0, 10), ZONE).state, "used");
  assert.equal(exitAnswer(listOf({}).list, { ...exit, released_at: "x" }, at(0, 9), ZONE).state, "used");
});
