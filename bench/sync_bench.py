"""Sync throughput: many devices push patrol results through the real endpoints, then pull.

    .venv/bin/python bench/sync_bench.py [--postgres-url URL] [--mutations 50000]
                                         [--devices 50] [--batch 100] [--profile]

Without a PostgreSQL URL (``--postgres-url`` or ``KEFU_BENCH_POSTGRES_URL``) only SQLite
runs. Each database is fresh: a temporary SQLite file, or a throwaway database created on
the PostgreSQL server and dropped at the end. See bench/README.md for what it prints.
"""

import argparse
import contextlib
import cProfile
import http.client
import json
import multiprocessing
import os
import pstats
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from gunicorn.app.base import BaseApplication
from marshmallow import Schema, fields, validate
from sqlalchemy import (
    DateTime,
    Integer,
    MetaData,
    String,
    Uuid,
    func,
    insert,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Run as a script from anywhere: the project's packages (tests.databases too) import.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.access import hash_token
from app.demo import create_demo
from app.extensions import db
from app.models import Area, Device, Property, User, areas_at
from sync.handlers import MutationContext
from sync.merge import insert_device_record
from sync.registry import Actor, RecordKind, Registry
from tests.databases import throwaway_postgres

DEVICES_PER_ROUND = 10  # The 10k pull: one round's results, made by 10 devices.
ITEMS = ["消防通道", "照明", "门禁", "地面清洁", "垃圾桶", "空调出风口", "电梯厅", "卫生间"]
RESULTS = ["ok", "ok", "ok", "problem", "na"]
FLOOR_STAFF = "floor_staff"
BULK_RUNS = 3  # The baseline is the median of three: one run alone varies by half.
# Regression floors since the push path keeps marshmallow and the ORM (see bench/README.md).
TARGET_PUSH_PER_S = 4000
TARGET_BULK_RATIO = 0.10
TARGET_PULL_10K_MS = 300


# --- The bench's own record kind: a patrol item result, made on a device ---------------


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={"ix": "ix_%(column_0_label)s"})


class PatrolItemResult(Base):
    """One checked item of a patrol round: a device-made record under the device's UUID."""

    __tablename__ = "bench_patrol_item_result"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(Integer, index=True)
    area_id: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(80))
    result: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(Integer, index=True)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    device_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# The baseline's copy: same columns and indexes, written with one bulk INSERT.
bulk_table = PatrolItemResult.__table__.to_metadata(
    Base.metadata, name="bench_patrol_item_result_bulk"
)


class RecordItemArgs(Schema):
    id = fields.UUID(required=True)
    area_id = fields.Integer(required=True, strict=True)
    item = fields.String(required=True, validate=validate.Length(min=1, max=80))
    result = fields.String(required=True, validate=validate.OneOf(["ok", "problem", "na"]))
    note = fields.String(load_default="", validate=validate.Length(max=500))


def build_registry(areas_of_device: dict[uuid.UUID, list[int]]) -> Registry:
    """The patrol kind: each result is in the scope of its area (``round:<area id>``).

    Devices follow the rounds ``areas_of_device`` assigns them: a device of a round pulls
    the results of everyone who walks that round.
    """
    registry = Registry()
    registry.kind(
        RecordKind(
            "patrol_item_result",
            PatrolItemResult,
            serialize=lambda r: {
                "area_id": r.area_id,
                "item": r.item,
                "result": r.result,
                "note": r.note,
                "created_by_id": r.created_by_id,
                "device_id": str(r.device_id),
                "device_time": r.device_time.isoformat(),
            },
            scopes=lambda r: {f"round:{r.area_id}"},
            partition=lambda r: r.property_id,
        )
    )

    @registry.scope_rule
    def rounds_followed(actor: Actor):
        if actor.role != FLOOR_STAFF:
            return set()
        return {f"round:{area_id}" for area_id in areas_of_device.get(actor.device_id, ())}

    @registry.mutation("patrol.record_item@1", RecordItemArgs, roles={FLOOR_STAFF})
    def record_item(context: MutationContext, args):
        insert_device_record(
            context,
            PatrolItemResult,
            args["id"],
            {
                "property_id": context.actor.property_id,
                "area_id": args["area_id"],
                "item": args["item"],
                "result": args["result"],
                "note": args["note"],
            },
        )

    return registry


# --- Fresh databases ---------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database(kind: str, server_url: str | None, folder: str) -> Iterator[str]:
    """The URL of an empty database of this run's own, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{folder}/bench.sqlite3"
        return
    with throwaway_postgres(server_url, "kefu_bench") as url:
        yield url


def add_postgres_option(parser: argparse.ArgumentParser) -> None:
    """``--postgres-url``, as every bench takes it."""
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("KEFU_BENCH_POSTGRES_URL"),
        help="a PostgreSQL server URL (a throwaway database is created on it); "
        "default $KEFU_BENCH_POSTGRES_URL; without it, SQLite only",
    )


def on_each_database(postgres_url: str | None, run: Callable[[str, str, str], str]) -> None:
    """Print the RESULT line of ``run(db_name, url, folder)`` on a fresh SQLite database
    and, given a server, on a fresh PostgreSQL one, each in a temporary folder of its own."""
    for db_name in ("sqlite", "postgresql") if postgres_url else ("sqlite",):
        with (
            tempfile.TemporaryDirectory(prefix="kefu-bench-") as folder,
            fresh_database(db_name, postgres_url, folder) as url,
        ):
            print(run(db_name, url, folder), flush=True)


# --- The workload ------------------------------------------------------------------------


@dataclass
class BenchDevice:
    id: uuid.UUID
    token: str
    areas: list[int]
    client_id: uuid.UUID = field(default_factory=uuid.uuid4)
    bodies: list[bytes] = field(default_factory=list)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def time_ordered_uuid(moment: datetime) -> uuid.UUID:
    """A version 7 UUID (RFC 9562), the kind the app names a record by on a device."""
    milliseconds = int(moment.timestamp() * 1000)
    return uuid.UUID(
        int=(milliseconds << 80)
        | (0x7 << 76)
        | (secrets.randbits(12) << 64)
        | (0b10 << 62)
        | secrets.randbits(62)
    )


def make_workload(devices, property_id, user_id, per_device, batch, received_at):
    """Each device's push bodies (JSON, built before timing) and the same rows for the bulk."""
    rows = []
    start = datetime.now(UTC) - timedelta(hours=1)
    for index, device in enumerate(devices):
        area_id = device.areas[0]
        mutations = []
        for n in range(per_device[index]):
            device_time = start + timedelta(milliseconds=n * 50 + index)
            record_id = time_ordered_uuid(device_time)
            args = {
                "id": str(record_id),
                "area_id": area_id,
                "item": ITEMS[n % len(ITEMS)],
                "result": RESULTS[n % len(RESULTS)],
                "note": "" if n % 7 else f"第{n}项需要复查",
            }
            mutations.append(
                {
                    "id": n + 1,
                    "name": "patrol.record_item@1",
                    "args": args,
                    "device_time": device_time.isoformat(),
                }
            )
            rows.append(
                {
                    **args,
                    "id": record_id,
                    "property_id": property_id,
                    "created_by_id": user_id,
                    "device_id": device.id,
                    "device_time": device_time,
                    "received_at": received_at,
                }
            )
        for first in range(0, len(mutations), batch):
            body = {
                "client_id": str(device.client_id),
                "schema_version": 1,
                "mutations": mutations[first : first + batch],
            }
            device.bodies.append(json.dumps(body).encode())
    return rows


def add_devices(user_id, property_id, areas_of_device, specs) -> list[BenchDevice]:
    """Devices bound to floor1 at the demo property, each with a known token."""
    made = []
    for areas in specs:
        device = BenchDevice(uuid.uuid4(), secrets.token_urlsafe(32), areas)
        db.session.add(
            Device(
                id=device.id,
                user_id=user_id,
                property_id=property_id,
                user_agent="sync-bench",
                token_hash=hash_token(device.token),
            )
        )
        areas_of_device[device.id] = areas
        made.append(device)
    db.session.commit()
    return made


def bulk_insert_seconds(rows: list[dict]) -> float:
    """Seconds to insert the rows into a new, empty copy of the table in one transaction:
    the floor a push is compared with."""
    bulk_table.create(db.engine)
    try:
        began = time.perf_counter()
        db.session.execute(insert(bulk_table), rows)
        db.session.commit()
        elapsed = time.perf_counter() - began
        stored = db.session.scalar(select(func.count()).select_from(bulk_table))
        if stored != len(rows):
            raise SystemExit(f"the bulk table holds {stored} rows, expected {len(rows)}")
        return elapsed
    finally:
        db.session.remove()
        bulk_table.drop(db.engine)


def pull_once(client, device: BenchDevice, expected: int) -> float:
    """Seconds for one first pull (cursor null) under a new client id; checks the count."""
    body = json.dumps({"client_id": str(uuid.uuid4()), "cursor": None}).encode()
    began = time.perf_counter()
    reply = client.post(
        "/sync/pull", data=body, content_type="application/json", headers=device.headers
    )
    elapsed = time.perf_counter() - began
    if reply.status_code != 200:
        raise SystemExit(f"pull failed: {reply.status_code} {reply.get_data(as_text=True)}")
    got = len(reply.get_json()["changes"])
    if got != expected:
        raise SystemExit(f"pull returned {got} changes, expected {expected}")
    return elapsed


Sender = Callable[[BenchDevice, bytes], tuple[int, bytes]]


def _serve(app, port: int, workers: int) -> None:
    """Run gunicorn on the app as ``make serve`` does; its workers fork from this process."""

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"127.0.0.1:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("loglevel", "warning")

        def load(self):
            return app

    Server().run()


@contextlib.contextmanager
def pushing_to(app, workers: int) -> Iterator[Sender]:
    """A way to send a push: to the app in this process through the Flask test client, or,
    with ``workers``, over HTTP to gunicorn serving it with that many workers."""
    if not workers:
        # One test client per thread: a client keeps state between requests.
        clients = threading.local()

        def send_in_process(device: BenchDevice, body: bytes) -> tuple[int, bytes]:
            if not hasattr(clients, "client"):
                clients.client = app.test_client()
            reply = clients.client.post(
                "/sync/push", data=body, content_type="application/json", headers=device.headers
            )
            return reply.status_code, reply.get_data()

        yield send_in_process
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with app.app_context():
        db.engine.dispose()  # The workers must not inherit this process's connections.
    server = multiprocessing.get_context("fork").Process(
        target=_serve, args=(app, port, workers), daemon=True
    )
    server.start()
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline or not server.is_alive():
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.1)

    def send_over_http(device: BenchDevice, body: bytes) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        try:
            headers = {**device.headers, "Content-Type": "application/json"}
            connection.request("POST", "/sync/push", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    try:
        yield send_over_http
    finally:
        server.terminate()
        server.join()


def push_all(send: Sender, pushers, clients: int, total: int, say, profiler) -> tuple[int, float]:
    """Push every device's batches; returns (mutations applied, seconds).

    Devices take turns, one batch each, as tablets coming back online would; with several
    clients, each takes its share of the devices and they push side by side.
    """
    rounds_of_batches = max(len(device.bodies) for device in pushers)
    lock = threading.Lock()
    tally = {"pushed": 0, "applied": 0, "reported": 0, "last_report": 0.0}
    failures: list[str] = []
    began = tally["last_report"] = time.perf_counter()

    def push_share(share) -> None:
        for batch_no in range(rounds_of_batches):
            for device in share:
                if batch_no >= len(device.bodies) or failures:
                    continue
                status, body = send(device, device.bodies[batch_no])
                if status != 200:
                    failures.append(f"push failed: {status} {body.decode()[:500]}")
                    return
                results = json.loads(body)["results"]
                with lock:
                    tally["pushed"] += len(results)
                    tally["applied"] += sum(1 for r in results if r["status"] == "applied")
                    if tally["pushed"] - tally["reported"] >= total // 10:
                        now = time.perf_counter()
                        these = tally["pushed"] - tally["reported"]
                        say(
                            f"pushed {tally['pushed']}/{total} mutations: these {these} at "
                            f"{these / (now - tally['last_report']):,.0f}/s, "
                            f"{tally['pushed'] / (now - began):,.0f}/s so far"
                        )
                        tally["reported"], tally["last_report"] = tally["pushed"], now

    if clients == 1:
        # In this thread, where the profiler can see it.
        if profiler:
            profiler.enable()
        push_share(pushers)
        if profiler:
            profiler.disable()
    else:
        threads = [
            threading.Thread(target=push_share, args=(pushers[k::clients],)) for k in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    seconds = time.perf_counter() - began
    if failures:
        raise SystemExit(failures[0])
    return tally["applied"], seconds


def progress(db_name: str, message: str) -> None:
    print(f"[{db_name}] {message}", flush=True)


def run(db_name: str, url: str, folder: str, args) -> str:
    """Run the whole bench on one fresh database; returns its RESULT line."""
    say = lambda message: progress(db_name, message)  # noqa: E731
    areas_of_device: dict[uuid.UUID, list[int]] = {}
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "sync-bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "SYNC_REGISTRY": build_registry(areas_of_device),
            "KEFU_ATTACHMENT_DIR": f"{folder}/attachments",
        }
    )
    devices_n, total = args.devices, args.mutations
    per_device = [total // devices_n + (i < total % devices_n) for i in range(devices_n)]
    with app.app_context():
        began = time.perf_counter()
        upgrade()
        PatrolItemResult.__table__.create(db.engine)
        create_demo()
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        user = db.session.scalar(select(User).where(User.username == "floor1"))
        property_id, user_id = prop.id, user.id
        area_ids = db.session.scalars(areas_at(property_id, Area.id).order_by(Area.id)).all()
        # Devices 0-9 walk the first round (area), 10-19 the second, and so on.
        rounds = [area_ids[(i // DEVICES_PER_ROUND) % len(area_ids)] for i in range(devices_n)]
        pushers = add_devices(user_id, property_id, areas_of_device, [[a] for a in rounds])
        puller_10k = add_devices(user_id, property_id, areas_of_device, [[rounds[0]]])[0]
        puller_all = add_devices(user_id, property_id, areas_of_device, [sorted(set(rounds))])[0]
        received_at = datetime.now(UTC)
        rows = make_workload(pushers, property_id, user_id, per_device, args.batch, received_at)
        expected_10k = sum(n for n, a in zip(per_device, rounds, strict=True) if a == rounds[0])
        db.session.remove()
        say(
            f"fresh database migrated, demo data, {devices_n} devices, {total} mutations "
            f"in batches of {args.batch} ready ({time.perf_counter() - began:.1f}s)"
        )

    profiler = cProfile.Profile() if args.profile else None
    with pushing_to(app, args.served) as send:
        route = f"gunicorn, {args.served} workers" if args.served else "the Flask test client"
        say(f"pushing through {route}, {args.clients} device(s) at a time")
        applied, push_seconds = push_all(send, pushers, args.clients, total, say, profiler)
    push_per_s = total / push_seconds
    if applied != total:
        raise SystemExit(f"only {applied} of {total} mutations were applied")

    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(PatrolItemResult))
        if stored != total:
            raise SystemExit(f"the table holds {stored} rows, expected {total}")
        say(f"push: {total} mutations in {push_seconds:.2f}s = {push_per_s:,.0f}/s; {stored} rows")

        db.session.remove()
        bulk_seconds = [bulk_insert_seconds(rows) for _ in range(BULK_RUNS)]
    bulk_per_s = total / statistics.median(bulk_seconds)
    bulk_ratio = push_per_s / bulk_per_s
    say(
        f"bulk insert of {total} rows: "
        + ", ".join(f"{seconds:.2f}" for seconds in bulk_seconds)
        + f" s; median {bulk_per_s:,.0f}/s"
    )
    say(f"push / bulk = {bulk_ratio:.3f}")

    # Pull: a fresh device of the first round gets its snapshot; three times, new client ids.
    client = app.test_client()
    pulls = [pull_once(client, puller_10k, expected_10k) for _ in range(3)]
    pull_10k_ms = statistics.median(pulls) * 1000
    say(
        f"pull of {expected_10k} changes (cursor null): "
        + ", ".join(f"{s * 1000:.0f}" for s in pulls)
        + f" ms; median {pull_10k_ms:.0f} ms"
    )
    pull_all_ms = pull_once(client, puller_all, total) * 1000
    say(f"pull of all {total} changes into a fresh device: {pull_all_ms:.0f} ms")

    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    targets = [
        (f"push >= {TARGET_PUSH_PER_S}/s", push_per_s >= TARGET_PUSH_PER_S),
        (f"push >= {TARGET_BULK_RATIO} of bulk", bulk_ratio >= TARGET_BULK_RATIO),
        (f"pull 10k <= {TARGET_PULL_10K_MS} ms", pull_10k_ms <= TARGET_PULL_10K_MS),
    ]
    say("targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in targets))
    if profiler:
        say("profile of the pushes (cProfile, top 25 by own time):")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(25)
    return (
        f"RESULT db={db_name} push_per_s={push_per_s:.0f} bulk_ratio={bulk_ratio:.3f} "
        f"pull_10k_ms={pull_10k_ms:.0f} peak_rss_mb={peak_rss_mb:.0f}"
    )


def run_one(db_name: str, args) -> str:
    with (
        tempfile.TemporaryDirectory(prefix="kefu-bench-") as folder,
        fresh_database(db_name, args.postgres_url, folder) as url,
    ):
        return run(db_name, url, folder, args)


def main() -> int:
    # A stopped run still removes its temporary files and drops its PostgreSQL database.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_postgres_option(parser)
    parser.add_argument("--mutations", type=int, default=50_000)
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument(
        "--served",
        type=int,
        default=0,
        metavar="WORKERS",
        help="push over HTTP to gunicorn with this many workers (default: the test client)",
    )
    parser.add_argument(
        "--clients", type=int, default=1, help="devices pushing at the same time (default 1)"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the pushes")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mutations < args.devices or args.devices < 1 or args.batch < 1:
        parser.error("need at least one device, one mutation per device and a batch of 1+")
    if not 1 <= args.clients <= args.devices or args.served < 0:
        parser.error("--clients is from 1 to the number of devices; --served from 0")
    if args.profile and (args.served or args.clients > 1):
        parser.error("--profile sees one client pushing in this process only")

    if args.only:
        print(run_one(args.only, args), flush=True)
        return 0
    if not args.postgres_url:
        print(run_one("sqlite", args), flush=True)
        return 0
    # Two databases: each in a process of its own, so that peak RSS is its own; both
    # RESULT lines come last, SQLite first.
    results, failed = [], False
    for db_name in ("sqlite", "postgresql"):
        command = [sys.executable, os.path.abspath(__file__), *sys.argv[1:], "--only", db_name]
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as child:
            for line in child.stdout:
                if line.startswith("RESULT "):
                    results.append(line.rstrip("\n"))
                else:
                    print(line, end="", flush=True)
        if child.returncode != 0:
            print(f"[{db_name}] failed with exit status {child.returncode}", flush=True)
            failed = True
    for line in results:
        print(line, flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
