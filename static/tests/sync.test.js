import "./browser.js";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, beforeEach, mock, test } from "node:test";
import { all, enqueue, getClientId, getMeta, recordsOf, setMeta } from "../src/store.js";
import { pull, startSync, status, syncNow } from "../src/sync.js";
import { emptyDevice, FakeServer } from "./helpers.js";

let server;

// The loop retries by setTimeout; in these tests only syncNow() syncs.
mock.timers.enable({ apis: ["setTimeout"] });

before(async () => {
  // Offline, so that taking the lead does not sync yet.
  navigator.onLine = false;
  const settled = new Promise((resolve) => document.addEventListener("kefu:changed", resolve, { once: true }));
  startSync();
  await settled;
  navigator.onLine = true;
});

beforeEach(async () => {
  await emptyDevice();
  localStorage.setItem("kefu.deviceId", "device-1");
  server = new FakeServer();
});

const pushed = () => server.sent("POST /sync/push").map((request) => request.body.mutations.map((m) => m.id));

test("a push sends the outbox in batches of 100 and empties it", async () => {
  for (let i = 0; i < 250; i++) await enqueue("note.create@1", { n: i });

  await syncNow();

  const batches = pushed();
  assert.deepEqual(
    batches.map((ids) => [ids[0], ids.length]),
    [
      [1, 100],
      [101, 100],
      [201, 50],
    ],
  );
  const [first] = server.sent("POST /sync/push");
  assert.equal(first.body.client_id, await getClientId());
  assert.equal(first.body.schema_version, 1);
  assert.deepEqual(Object.keys(first.body.mutations[0]).sort(), ["args", "device_time", "id", "name"]);
  assert.equal(server.applied.length, 250);
  assert.deepEqual(await all("outbox"), []);
  assert.equal((await status()).waiting, 0);
  assert.equal(await getMeta("lastError"), null);
  assert.ok(await getMeta("lastSyncAt"));
});

test("a push removes what the server confirmed, up to its last_mutation_id, and no more", async () => {
  for (let i = 0; i < 3; i++) await enqueue("note.create@1", { n: i });
  let replies = 0;
  const answer = server.routes["POST /sync/push"];
  server.routes["POST /sync/push"] = async (request) => {
    replies += 1;
    if (replies > 1) return answer(request);
    // It confirms the first two only: what the device drops is the server's word, not the batch.
    return answer({ body: { ...request.body, mutations: request.body.mutations.slice(0, 2) } });
  };

  await syncNow();

  assert.deepEqual(pushed(), [[1, 2, 3], [3]]);
  assert.deepEqual(
    server.applied.map((m) => m.id),
    [1, 2, 3],
  );
  assert.deepEqual(await all("outbox"), []);
});

test("a mutation saved while a push is on its way waits for the next batch", async () => {
  await enqueue("note.create@1", { n: 1 });
  const answer = server.routes["POST /sync/push"];
  server.routes["POST /sync/push"] = async (request) => {
    if (request.body.mutations[0].id === 1) await enqueue("note.create@1", { n: 2 });
    return answer(request);
  };

  await syncNow();

  assert.deepEqual(pushed(), [[1], [2]]);
  assert.deepEqual(await all("outbox"), []);
});

test("a rejected mutation moves to refused with its reason; the rest are applied", async () => {
  await enqueue("booking.create@1", { room: "301" });
  await enqueue("booking.create@1", { room: "302" });
  await enqueue("booking.create@1", { room: "303" });
  server.reject.set(2, "overlap");

  await syncNow();

  assert.deepEqual(await all("outbox"), []);
  const refused = await all("refused");
  assert.equal(refused.length, 1);
  assert.equal(refused[0].id, 2);
  assert.equal(refused[0].name, "booking.create@1");
  assert.deepEqual(refused[0].args, { room: "302" });
  assert.equal(refused[0].reason, "overlap");
  assert.equal(refused[0].message, "refused: overlap");
  assert.deepEqual(
    server.applied.map((m) => m.id),
    [1, 3],
  );
  const { waiting, refused: refusedCount } = await status();
  assert.deepEqual([waiting, refusedCount], [0, 1]);
});

test("a pull applies puts and deletes, and sends its cursor back the next time", async () => {
  server.changes = [
    { kind: "note", id: "n1", op: "put", data: { text: "大堂灯不亮" } },
    { kind: "note", id: "n2", op: "put", data: { text: "电梯异响" } },
    { kind: "booking", id: "b1", op: "put", data: { room: "301" } },
  ];
  await syncNow();
  assert.equal(server.sent("POST /sync/push").length, 0, "nothing to push");
  assert.equal(await getMeta("cursor"), "1.1.scope");

  server.changes = [
    { kind: "note", id: "n1", op: "put", data: { text: "大堂灯已修好" } },
    { kind: "note", id: "n2", op: "delete" },
  ];
  await syncNow();

  const pulls = server.sent("POST /sync/pull");
  assert.deepEqual(
    pulls.map((request) => request.body.cursor),
    [null, "1.1.scope"],
  );
  assert.equal(pulls[0].body.client_id, await getClientId());
  assert.deepEqual(await recordsOf("note"), [{ kind: "note", id: "n1", data: { text: "大堂灯已修好" } }]);
  assert.deepEqual(await recordsOf("booking"), [{ kind: "booking", id: "b1", data: { room: "301" } }]);
  assert.equal(await getMeta("cursor"), "1.2.scope");
});

test("a pull that resets drops what the device held of the server's data", async () => {
  server.changes = [{ kind: "note", id: "old", op: "put", data: {} }];
  await syncNow();
  server.reset = true;
  server.changes = [{ kind: "note", id: "new", op: "put", data: {} }];

  await syncNow();

  assert.deepEqual(
    (await recordsOf("note")).map((record) => record.id),
    ["new"],
  );
});

test("a pull drops from the outbox what the server applied, even unheard", async () => {
  for (let i = 0; i < 3; i++) await enqueue("note.create@1", { n: i });
  const clientId = await getClientId();
  // The first two reached the server, whose reply was lost.
  server.lastMutationId.set(clientId, 2);

  await pull(clientId);

  assert.deepEqual(
    (await all("outbox")).map((m) => m.id),
    [3],
  );
});

test("with the network down, everything stays on the device and the error is noted", async () => {
  const photo = { id: "p1", blob: new Blob(["jpeg"], { type: "image/jpeg" }) };
  await enqueue("duty.create_entry@1", { id: "a", photo_ids: ["p1"] }, [photo]);
  await enqueue("note.create@1", {});
  await setMeta("cursor", "1.7.scope");
  server.down = true;

  await syncNow();

  assert.equal((await all("outbox")).length, 2);
  assert.equal(await (await all("photos"))[0].blob.text(), "jpeg");
  assert.equal(await getMeta("cursor"), "1.7.scope");
  assert.equal(await getMeta("lastError"), document.body.dataset.networkDown);
  assert.equal(await getMeta("lastSyncAt"), undefined);

  server.down = false;
  await syncNow();
  assert.equal((await status()).waiting, 0);
  assert.equal(await getMeta("lastError"), null);
});

test("a refused request keeps the outbox and notes the server's message", async () => {
  await enqueue("note.create@1", {});
  server.routes["POST /sync/push"] = () =>
    new Response(JSON.stringify({ error: "unavailable", message: "服务器忙" }), { status: 503 });

  await syncNow();

  assert.equal((await all("outbox")).length, 1);
  assert.equal(server.sent("POST /sync/pull").length, 0);
  assert.equal(await getMeta("lastError"), "服务器忙");
});

test("photos go up before the mutations that name them; only a note of them stays", async () => {
  const blob = new Blob(["jpeg bytes"], { type: "image/jpeg" });
  await enqueue("duty.create_entry@1", { id: "a", photo_ids: ["p1"] }, [{ id: "p1", blob }]);

  await syncNow();

  assert.deepEqual(
    server.requests.map((request) => request.route),
    ["POST /sync/token", "PUT /sync/attachments", "POST /sync/push", "POST /sync/pull", "GET /handover/pins"],
  );
  const expected = createHash("sha256").update("jpeg bytes").digest("hex");
  assert.deepEqual(
    { ...server.photos.get("p1"), blob: undefined },
    { type: "image/jpeg", sha256: expected, blob: undefined },
  );
  assert.deepEqual(await all("photos"), [{ id: "p1", uploaded: true }]);
});

test("a token the server no longer knows is renewed once, and the request sent again", async () => {
  await setMeta("token", "stale");
  await setMeta("tokenDevice", "device-1");
  await enqueue("note.create@1", {});

  await syncNow();

  assert.equal(server.tokensIssued, 1);
  assert.deepEqual(
    server.sent("POST /sync/push").map((request) => request.headers.Authorization),
    ["Bearer stale", "Bearer token-1"],
  );
  assert.deepEqual(await all("outbox"), []);
  assert.equal(await getMeta("token"), "token-1");
});

test("a token refused again after its renewal is not renewed forever", async () => {
  await enqueue("note.create@1", {});
  server.routes["POST /sync/push"] = () =>
    new Response(JSON.stringify({ error: "device_revoked", message: "此设备已停用" }), { status: 401 });

  await syncNow();

  assert.equal(server.sent("POST /sync/push").length, 2);
  assert.equal(server.tokensIssued, 2, "the first token, then one renewal");
  assert.equal((await all("outbox")).length, 1);
  assert.equal(await getMeta("lastError"), "此设备已停用");
});

test("signed out, the device says to sign in again", async () => {
  await enqueue("note.create@1", {});
  server.routes["POST /sync/token"] = () => new Response("", { status: 302 });

  await syncNow();

  assert.equal((await all("outbox")).length, 1);
  assert.equal(await getMeta("lastError"), document.body.dataset.signInAgain);
});

test("a change carries who made it, and the tablet learns its colleagues' PINs", async () => {
  server.pins = [{ id: 9, name: "赵保安", salt: "00", iterations: 1, hash: "ff" }];
  await setMeta("pinFailures", 3);
  await enqueue("duty.create_entry@1", { id: "a" }, [], 9);
  await enqueue("duty.create_entry@1", { id: "b" });

  await syncNow();

  const [pushed] = server.sent("POST /sync/push");
  assert.deepEqual(
    pushed.body.mutations.map((mutation) => mutation.acting_user_id),
    [9, undefined],
  );
  assert.deepEqual(await getMeta("pins"), server.pins);
  assert.equal(await getMeta("pinFailures"), 0);
});
