"""Pushes from several processes at once while a device pulls: no committed change is skipped.

On PostgreSQL the writers run side by side; on SQLite, as under gunicorn's workers, they
take turns at the database's write lock. Four processes push notes,
bookings, cancellations and task edits as floor staff; the test process pulls all the
while as a floor-staff device whose scope holds the bookings and tasks, and the notes of
the first pusher (the same person on another device). When the pushers are done it pulls
once more and must hold exactly the server's records in its scope: a change that
committed below a cursor it had already been given would be missing for good.
"""

import multiprocessing
import random
import time
import traceback
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from sync import engine as sync_engine
from sync.changes import track_changes
from sync.errors import TransientError
from sync.protocol import parse_cursor
from sync.registry import Actor
from sync.tables import client, rejection
from tests import sync_kinds
from tests.sync_kinds import FLOOR, Booking, Note
from tests.sync_world import PROPERTY, T0, scope_data

PUSHERS = 4
BATCHES = 30
BATCH_SIZE = 5
PUSHING_SECONDS = 10.0
PULLER = 100  # the user of the puller, and of pusher 0 on another device
ROOMS = [f"R{n}" for n in range(6)]
DAY = datetime(2026, 11, 28)


def open_database(url):
    """What each process builds for itself: engine, tracked sessions, the registry."""
    engine = create_engine(url)
    registry = sync_kinds.build_registry()
    Session = sessionmaker(engine, expire_on_commit=False)
    track_changes(Session, lambda: registry, lambda: T0)
    return engine, Session, registry


def make_batch(rng, index, next_id, bookings, task_ids) -> list[dict]:
    moment = T0.replace(tzinfo=UTC).isoformat()
    batch = []
    for mutation_id in range(next_id, next_id + BATCH_SIZE):
        what = rng.choice(["note", "booking", "booking", "cancel", "task"])
        if what == "cancel" and bookings:
            name, args = "booking.cancel@1", {"id": rng.choice(bookings)}
        elif what == "task":
            field, value = rng.choice([("status", "doing"), ("status", "done"), ("note", "ok")])
            args = {"id": rng.choice(task_ids), "base_version": 1, field: value}
            name = "task.edit@1"
        elif what in ("booking", "cancel"):
            # Six rooms, hours from 8 to 19: some bookings of different pushers clash.
            starts_at = DAY + timedelta(hours=rng.randrange(8, 20), minutes=rng.choice([0, 30]))
            args = {
                "id": str(uuid.uuid4()),
                "room": rng.choice(ROOMS),
                "starts_at": starts_at.isoformat(),
                "ends_at": (starts_at + timedelta(minutes=45)).isoformat(),
            }
            name = "booking.create@1"
        else:
            name, args = "note.create@1", {"id": str(uuid.uuid4()), "text": f"P{index} {what}"}
        batch.append({"id": mutation_id, "name": name, "args": args, "device_time": moment})
    return batch


def pusher(url, index, task_ids, start, results) -> None:
    """One floor-staff device pushing batches as fast as it can, retrying transient errors."""
    try:
        engine, Session, registry = open_database(url)
        actor = Actor(uuid.uuid4(), PULLER + index, FLOOR, PROPERTY)
        client_id = str(uuid.uuid4())
        rng = random.Random(index)
        made, retries, created, rejected, bookings = 0, 0, [], 0, []
        start.wait(timeout=60)
        deadline = time.monotonic() + PUSHING_SECONDS
        for _ in range(BATCHES):
            if time.monotonic() > deadline:
                break
            batch = make_batch(rng, index, made + 1, bookings, task_ids)
            body = {"client_id": client_id, "schema_version": 1, "mutations": batch}
            while True:
                try:
                    with Session() as session:
                        reply = sync_engine.push(session, registry, actor, body, T0)
                    break
                except TransientError:
                    retries += 1
                    time.sleep(0.01)
            made += len(batch)
            assert reply["last_mutation_id"] == made, reply
            for mutation, result in zip(batch, reply["results"], strict=True):
                assert result["status"] in ("applied", "rejected"), result
                if result["status"] == "rejected":
                    rejected += 1
                elif mutation["name"] in ("note.create@1", "booking.create@1"):
                    created.append(mutation["args"]["id"])
                    if mutation["name"] == "booking.create@1":
                        bookings.append(mutation["args"]["id"])
        engine.dispose()
        results.put(
            {
                "index": index,
                "made": made,
                "client_id": client_id,
                "created": created,
                "rejected": rejected,
                "retries": retries,
            }
        )
    except BaseException:
        results.put({"index": index, "error": traceback.format_exc()})
        raise


def test_pulls_during_concurrent_pushes_never_skip_a_committed_change(sync_database_url):
    url = sync_database_url
    engine, Session, registry = open_database(url)
    processes = []
    try:
        with Session() as session:
            task_ids = [sync_kinds.make_task(session, PROPERTY, f"任务{n}").id for n in range(3)]
        context = multiprocessing.get_context("spawn")
        start = context.Barrier(PUSHERS + 1)
        results = context.Queue()
        processes += [
            context.Process(target=pusher, args=(url, i, task_ids, start, results), daemon=True)
            for i in range(PUSHERS)
        ]
        for process in processes:
            process.start()

        puller = Actor(uuid.uuid4(), PULLER, FLOOR, PROPERTY)
        body = {"client_id": str(uuid.uuid4()), "cursor": None}
        held: dict[tuple[str, str], dict] = {}
        versions: list[int] = []
        pulls_with_changes = 0

        def pull() -> dict:
            with Session() as session:
                reply = sync_engine.pull(session, registry, puller, body, T0).to_dict()
            assert not reply["must_refetch"]
            if reply["reset"]:
                held.clear()
            for item in reply["changes"]:
                key = (item["kind"], item["id"])
                if item["op"] == "put":
                    held[key] = item["data"]
                else:
                    held.pop(key, None)
            version = parse_cursor(reply["cursor"])[1]
            assert not versions or version >= versions[-1], "the cursor went back"
            versions.append(version)
            body["cursor"] = reply["cursor"]
            return reply

        start.wait(timeout=60)
        began = time.monotonic()
        while any(process.is_alive() for process in processes):
            assert time.monotonic() - began < 60, "the pushers did not finish"
            pulls_with_changes += bool(pull()["changes"])
        for process in processes:
            process.join(timeout=10)
        summaries = sorted((results.get(timeout=10) for _ in processes), key=lambda r: r["index"])
        for summary in summaries:
            assert "error" not in summary, summary["error"]
        assert [p.exitcode for p in processes] == [0] * PUSHERS
        pull()

        # The pulls really ran among the pushes, and the pushes were not a trickle.
        assert pulls_with_changes >= 3, (pulls_with_changes, len(versions))
        assert sum(s["made"] for s in summaries) >= PUSHERS * 5 * BATCH_SIZE
        with Session() as session:
            (expected,) = scope_data(session, registry, [puller], T0)
            stored_notes = session.scalar(select(func.count()).select_from(Note))
            stored_bookings = session.scalar(select(func.count()).select_from(Booking))
            overlapping = session.scalar(
                select(func.count())
                .select_from(Booking)
                .join(
                    other := Booking.__table__.alias(),
                    (other.c.room == Booking.room)
                    & (other.c.id != Booking.id)
                    & (other.c.starts_at < Booking.ends_at)
                    & (other.c.ends_at > Booking.starts_at),
                )
                .where((Booking.status == "confirmed") & (other.c.status == "confirmed"))
            )
            outboxes = dict(session.execute(select(client.c.id, client.c.last_mutation_id)).all())
            refusals = session.scalar(select(func.count()).select_from(rejection))
        assert held == expected
        # Each mutation applied or refused exactly once.
        for summary in summaries:
            assert outboxes[uuid.UUID(summary["client_id"])] == summary["made"]
        assert refusals == sum(s["rejected"] for s in summaries)
        created = [record_id for s in summaries for record_id in s["created"]]
        assert len(set(created)) == len(created) == stored_notes + stored_bookings
        assert overlapping == 0
        assert {k for k, _ in held} == {"note", "booking", "task"}
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
                process.join(timeout=10)
        engine.dispose()
