"""Meeting rooms at scale: the office's week grid over a year of bookings, and a push of
booking requests with their overlap checks.

    .venv/bin/python bench/rooms_bench.py [--postgres-url URL] [--rooms 50] [--requests 1000]

Without a PostgreSQL URL (``--postgres-url`` or ``KEFU_BENCH_POSTGRES_URL``) only SQLite
runs. Each database is fresh and removed afterwards. See bench/README.md.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.demo import create_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Area, AreaKind, User, areas_at  # noqa: E402
from app.rooms.models import Booking, BookingState, Layout, Room  # noqa: E402
from bench.sync_bench import add_postgres_option, on_each_database  # noqa: E402
from tests.support import AuthActions, Tablet  # noqa: E402

TARGET_WEEK_GRID_P50_MS = 50
GRID_VIEWS = 30
BATCH = 50
DEVICES = 10
# Each room's day in the bench: three meetings, the evening left free for the requests;
# the first of each day in the coming fortnight still waits for approval.
MEETINGS = [(clock(8), clock(10)), (clock(11), clock(13)), (clock(15), clock(17))]
BUFFER = timedelta(minutes=15)


def add_rooms_and_a_year(rooms: int, first_day: date) -> int:
    """``rooms`` rooms on the meeting floor and three bookings a day each for a year,
    inserted in bulk; returns how many bookings."""
    prop_id = 1
    zone = ZoneInfo("Asia/Shanghai")
    area = db.session.scalar(areas_at(prop_id).where(Area.kind == AreaKind.MEETING_FLOOR))
    staff = db.session.scalar(select(User.id).where(User.username == "office1"))
    made = [
        Room(
            property_id=prop_id,
            floor_id=area.floor_id,
            name=f"会议室{n:02d}",
            capacity=30,
            equipment=["projector", "screen"],
            layouts=[layout.value for layout in Layout],
            opens_at=clock(7),
            closes_at=clock(22),
            setup_minutes=15,
            cleardown_minutes=15,
        )
        for n in range(rooms)
    ]
    db.session.add_all(made)
    db.session.commit()
    rows = []
    now = datetime.now(UTC)
    for room in made:
        for offset in range(365):
            day = first_day + timedelta(days=offset)
            for number, (starts, ends) in enumerate(MEETINGS):
                starts_at = datetime.combine(day, starts, zone).astimezone(UTC)
                ends_at = datetime.combine(day, ends, zone).astimezone(UTC)
                rows.append(
                    {
                        "id": uuid.uuid4(),
                        "property_id": prop_id,
                        "room_id": room.id,
                        # What waits for the supervisor is the coming fortnight's.
                        "state": BookingState.PENDING
                        if offset < 14 and number == 0
                        else BookingState.CONFIRMED,
                        "title": f"例会{offset % 7}",
                        "company": "华信科技",
                        "organiser": "刘女士",
                        "phone": "13800000000",
                        "starts_at": starts_at,
                        "ends_at": ends_at,
                        "held_from": starts_at - BUFFER,
                        "held_until": ends_at + BUFFER,
                        "attendees": 10,
                        "layout": Layout.BOARDROOM,
                        "equipment": [],
                        "tea_for": 0,
                        "notes": "",
                        "created_by_id": staff,
                        "device_time": now,
                        "received_at": now,
                    }
                )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Booking), rows[start : start + 5000])
    db.session.commit()
    return len(rows)


def week_grid_ms(app, first_day: date) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of the week grid, each view a week later than the one
    before. The CPU time is this process's: on a shared machine it varies less."""
    office = app.test_client()
    AuthActions(office).login("office1")
    wall, cpu = [], []
    for n in range(GRID_VIEWS):
        day = first_day + timedelta(days=7 * (n % 50))
        started, started_cpu = time.perf_counter(), time.process_time()
        reply = office.get(f"/rooms/grid?view=week&day={day.isoformat()}")
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert reply.status_code == 200 and reply.get_data(as_text=True).count('class="slot') > 0
    return wall, cpu


def requests_of(count: int, room_ids: list[int], first_day: date) -> list[dict]:
    """Evening requests on free days, one in ten on an hour already taken."""
    args = []
    for n in range(count):
        taken = n % 10 == 9
        args.append(
            {
                "id": str(uuid.uuid4()),
                "room_id": room_ids[n % len(room_ids)],
                "date": (first_day + timedelta(days=1 + n // len(room_ids))).isoformat(),
                "starts": "08:30" if taken else "18:00",
                "ends": "09:30" if taken else "19:00",
                "title": f"申请{n}",
                "company": "远航物流",
                "organiser": "王先生",
                "phone": "13900000000",
                "attendees": 8,
                "layout": "boardroom",
                "equipment": ["projector"],
                "tea_for": 8,
            }
        )
    return args


def push_requests(app, count: int, first_day: date) -> tuple[float, int, int]:
    """Push ``count`` requests from several tablets; (requests a second, applied, refused)."""
    with app.app_context():
        room_ids = list(db.session.scalars(select(Room.id).order_by(Room.id)))
    tablets = [Tablet(app, "floor1") for _ in range(DEVICES)]
    wanted = requests_of(count, room_ids, first_day)
    now = datetime.now(UTC).isoformat()
    statuses = []
    started = time.perf_counter()
    for first in range(0, count, BATCH):
        tablet = tablets[(first // BATCH) % DEVICES]
        mutations = []
        for args in wanted[first : first + BATCH]:
            mutations.append(
                {"id": tablet.next_id, "name": "rooms.request@1", "args": args, "device_time": now}
            )
            tablet.next_id += 1
        reply = tablet.push(*mutations)
        statuses += [
            result.get("reason", result["status"]) for result in reply.get_json()["results"]
        ]
    seconds = time.perf_counter() - started
    return count / seconds, statuses.count("applied"), statuses.count("overlap")


def run(db_name: str, url: str, args) -> str:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    first_day = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with app.app_context():
        upgrade()
        create_demo()
        made = add_rooms_and_a_year(args.rooms, first_day)
        print(f"[{db_name}] {args.rooms} rooms, {made} bookings over 365 days", flush=True)
    timings, cpu = week_grid_ms(app, first_day)
    p50 = statistics.median(timings)
    print(
        f"[{db_name}] week grid ({GRID_VIEWS} weeks of {args.rooms} rooms): p50 {p50:.1f} ms, "
        f"max {max(timings):.1f} ms, target ≤ {TARGET_WEEK_GRID_P50_MS} ms "
        f"({p50 / TARGET_WEEK_GRID_P50_MS:.2f} of it); the bench's own CPU p50 "
        f"{statistics.median(cpu):.1f} ms; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    per_second, applied, refused = push_requests(app, args.requests, first_day)
    with app.app_context():
        total = db.session.scalar(select(func.count(Booking.id)))
        db.session.remove()
        db.engine.dispose()
    assert applied + refused == args.requests and total == made + applied, (applied, refused)
    print(
        f"[{db_name}] pushed {args.requests} requests in batches of {BATCH} from {DEVICES} "
        f"tablets: {applied} applied, {refused} refused as overlapping, {per_second:.0f}/s",
        flush=True,
    )
    return f"RESULT db={db_name} week_grid_p50_ms={p50:.0f} booking_push_per_s={per_second:.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_postgres_option(parser)
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    if args.rooms < 1 or args.requests < 1:
        parser.error("need at least one room and one request")
    on_each_database(args.postgres_url, lambda db_name, url, folder: run(db_name, url, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
