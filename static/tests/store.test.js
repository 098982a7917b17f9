import "./browser.js";
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { all, database, enqueue, getClientId, getMeta } from "../src/store.js";
import { emptyDevice } from "./helpers.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeEach(emptyDevice);

test("enqueue gives the mutations consecutive ids from 1", async () => {
  const first = await enqueue("duty.create_entry@1", { id: "a", text: "大堂灯不亮" });
  await enqueue("duty.create_entry@1", { id: "b", text: "电梯异响" });
  await enqueue("duty.close_entry@1", { id: "a" });

  const outbox = await all("outbox");
  assert.deepEqual(
    outbox.map(({ id, name, args }) => [id, name, args.id]),
    [
      [1, "duty.create_entry@1", "a"],
      [2, "duty.create_entry@1", "b"],
      [3, "duty.close_entry@1", "a"],
    ],
  );
  assert.deepEqual(outbox[0], first);
  assert.ok(!Number.isNaN(Date.parse(first.device_time)));
});

test("mutations saved at the same moment still get distinct, consecutive ids", async () => {
  const saved = await Promise.all(Array.from({ length: 10 }, (_, i) => enqueue("note.create@1", { n: i })));

  assert.deepEqual(
    saved.map((mutation) => mutation.id).sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  );
  assert.equal((await all("outbox")).length, 10);
});

test("ids go on after the outbox was emptied: the server never sees one twice", async () => {
  await enqueue("note.create@1", {});
  await enqueue("note.create@1", {});
  await (await database()).clear("outbox");

  assert.equal((await enqueue("note.create@1", {})).id, 3);
});

test("a mutation's photos are stored with it", async () => {
  const photo = { id: "p1", blob: new Blob(["jpeg bytes"], { type: "image/jpeg" }) };
  await enqueue("duty.create_entry@1", { id: "a", photo_ids: ["p1"] }, [photo]);

  const [stored] = await all("photos");
  assert.equal(stored.id, "p1");
  assert.equal(await stored.blob.text(), "jpeg bytes");
  assert.equal((await all("outbox")).length, 1);
});

test("when a mutation cannot be stored, neither are its photos nor its id used", async () => {
  const photo = { id: "p1", blob: new Blob(["jpeg bytes"], { type: "image/jpeg" }) };
  // A function cannot be stored in IndexedDB: the mutation fails after its photo was put.
  await assert.rejects(enqueue("duty.create_entry@1", { id: "a", later: () => {} }, [photo]));

  assert.deepEqual(await all("photos"), []);
  assert.deepEqual(await all("outbox"), []);
  assert.equal((await enqueue("duty.create_entry@1", { id: "a" })).id, 1);
});

test("the client id is made once and kept", async () => {
  const [id, again, mutation] = await Promise.all([getClientId(), getClientId(), enqueue("note.create@1", {})]);
  assert.match(id, UUID);
  assert.equal(again, id);
  assert.equal(mutation.id, 1);
  await enqueue("note.create@1", {});
  assert.equal(await getClientId(), id);
  assert.equal(await getMeta("clientId"), id);
});

test("the first enqueue makes the client id that later pushes use", async () => {
  await enqueue("note.create@1", {});
  const made = await getMeta("clientId");
  assert.match(made, UUID);
  assert.equal(await getClientId(), made);
});
