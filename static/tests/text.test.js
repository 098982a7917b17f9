import assert from "node:assert/strict";
import { test } from "node:test";
import { fill } from "../src/text.js";

test("every blank is filled, each as often as it stands", () => {
  assert.equal(fill("{n} 条待同步 · {n}", { n: 3 }), "3 条待同步 · 3");
  assert.equal(fill("{time} {name}", { time: "10:05", name: "王芳" }), "10:05 王芳");
});

test("a blank with no value stays, and zero is a value", () => {
  assert.equal(fill("#{number} {state}", { number: 0 }), "#0 {state}");
});
