"""Repair tickets at scale: the office's list and a ticket's page, and engineers' moves.

    .venv/bin/python bench/repairs_bench.py [--postgres-url URL] [--tickets 20000]
                                            [--moves 1000] [--batch 50]

Without a PostgreSQL URL (``--postgres-url`` or ``KEFU_BENCH_POSTGRES_URL``) only SQLite
runs. Each database is fresh (see bench/README.md). Last line, one per database:
``RESULT db=<sqlite|postgresql> desk_p50_ms=<n> desk_p95_ms=<n> ticket_p50_ms=<n>
moves_per_s=<n>``.
"""

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.demo import create_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Area, User, areas_at  # noqa: E402
from app.repairs.models import RepairCategory, RepairStep, RepairTicket, TicketState  # noqa: E402
from bench.sync_bench import add_postgres_option, on_each_database, time_ordered_uuid  # noqa: E402
from tests.support import AuthActions, Tablet, make_test_app  # noqa: E402

# The path of a ticket through its states; a ticket stops somewhere along it.
PATH = [
    TicketState.OPEN,
    TicketState.ASSIGNED,
    TicketState.IN_PROGRESS,
    TicketState.FIXED,
    TicketState.VERIFIED,
]
DESK_PAGES = ["/repairs/desk", "/repairs/desk?state=assigned", "/repairs/desk?category=lighting"]
REQUESTS_PER_PAGE = 30


def bulk_rows(count: int, waiting: int, floor_device: uuid.UUID) -> tuple[list, list]:
    """Rows of ``count`` tickets over the past year and of their steps, as the devices
    would have left them; the last ``waiting`` assigned to eng1, not begun."""
    users = {user.username: user for user in db.session.scalars(select(User))}
    floor1, eng1, super1 = users["floor1"], users["eng1"], users["super1"]
    prop_id = floor1.properties[0].id
    areas = db.session.scalars(areas_at(prop_id, Area.id)).all()
    by = (floor1, super1, eng1, eng1, floor1)
    now = datetime.now(UTC)
    tickets, steps = [], []
    for number in range(1, count + 1):
        opened = now - timedelta(days=365 * (count - number) / count)
        last = 1 if number > count - waiting else random.randrange(len(PATH))
        ticket_id = time_ordered_uuid(opened)
        provenance = {"device_utc_offset": 480, "created_by_id": floor1.id}
        tickets.append(
            {
                "id": ticket_id,
                "property_id": prop_id,
                "number": number,
                "area_id": random.choice(areas),
                "location": "楼层",
                "category": random.choice(list(RepairCategory)),
                "state": PATH[last],
                "assigned_to_id": eng1.id if last else None,
                "note": f"故障 {number}",
                "photo_ids": [],
                "source": "patrol",
                "source_id": uuid.uuid4(),
                "version": last + 1,
                "device_id": floor_device,
                "device_time": opened,
                "received_at": opened,
                **provenance,
            }
        )
        for index, state in enumerate(PATH[: last + 1]):
            at = opened + timedelta(hours=index)
            steps.append(
                {
                    "id": time_ordered_uuid(at),
                    "ticket_id": ticket_id,
                    "property_id": prop_id,
                    "from_state": PATH[index - 1] if index else None,
                    "to_state": state,
                    "assigned_to_id": eng1.id if state is TicketState.ASSIGNED else None,
                    "note": "",
                    "photo_ids": [],
                    "device_id": None,
                    "device_time": at,
                    "received_at": at,
                    **provenance,
                    "created_by_id": by[index].id,
                }
            )
    return tickets, steps


def timed_ms(client, url: str) -> float:
    started = time.perf_counter()
    reply = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert reply.status_code == 200, (url, reply.status_code)
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(db_name: str, url: str, args) -> str:
    def say(message: str) -> None:
        print(f"[{db_name}] {message}", flush=True)

    app = make_test_app(url)
    with app.app_context():
        upgrade()
        create_demo()
    floor, engineer = Tablet(app, "floor1"), Tablet(app, "eng1")
    with app.app_context():
        tickets, steps = bulk_rows(args.tickets, args.moves, floor.device_id)
        started = time.perf_counter()
        db.session.execute(insert(RepairTicket), tickets)
        db.session.execute(insert(RepairStep), steps)
        db.session.commit()
        seconds = time.perf_counter() - started
        say(f"{len(tickets)} tickets, {len(steps)} steps inserted in {seconds:.1f} s")
    office = app.test_client()
    AuthActions(office).login("office1")
    desk = []
    for page in DESK_PAGES:
        timings = [timed_ms(office, page) for _ in range(REQUESTS_PER_PAGE)]
        p50, p95 = statistics.median(timings), percentile(timings, 0.95)
        say(f"{page}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        desk += timings
    sample = random.sample(tickets, REQUESTS_PER_PAGE)
    ticket_ms = [timed_ms(office, f"/repairs/desk/{t['id']}") for t in sample]
    waiting = tickets[-args.moves :]
    started = time.perf_counter()
    for first in range(0, len(waiting), args.batch):
        batch = [
            {
                "id": first + offset + 1,
                "name": "repairs.start@1",
                "args": {
                    "id": str(uuid.uuid4()),
                    "ticket_id": str(ticket["id"]),
                    "base_version": ticket["version"],
                    "note": "到场",
                    "photo_ids": [],
                },
                "device_time": datetime.now(UTC).isoformat(),
            }
            for offset, ticket in enumerate(waiting[first : first + args.batch])
        ]
        reply = engineer.push(*batch)
        assert all(r["status"] == "applied" for r in reply.get_json()["results"]), reply.get_json()
    moves_per_s = len(waiting) / (time.perf_counter() - started)
    say(f"{len(waiting)} moves pushed by eng1 in batches of {args.batch}: {moves_per_s:.0f}/s")
    desk_p50 = statistics.median(desk)
    say(f"desk list p50 {desk_p50:.1f} ms: {'meets' if desk_p50 <= 50 else 'misses'} 50 ms")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return (
        f"RESULT db={db_name} desk_p50_ms={desk_p50:.0f} desk_p95_ms={percentile(desk, 0.95):.0f} "
        f"ticket_p50_ms={statistics.median(ticket_ms):.0f} moves_per_s={moves_per_s:.0f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_postgres_option(parser)
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--moves", type=int, default=1_000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()
    if not 1 <= args.moves <= args.tickets or args.batch < 1:
        parser.error("moves are from 1 to the number of tickets; a batch is 1 or more")
    on_each_database(args.postgres_url, lambda db_name, url, folder: run(db_name, url, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
