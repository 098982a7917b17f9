"""Patrols at scale: the office's filtered rounds page over 100,000 rounds (about two
million item results), and the tablet's due list of 300 areas.

    .venv/bin/python bench/patrol_bench.py [--postgres-url URL] [--rounds 100000]

The rounds are bulk-inserted (one INSERT per few thousand rows, outside the ORM), spread
over 300 areas, five floor-staff users and 90 days, a few percent with problems. The
rounds page is fetched as the office does, signed in through the real app, with each of
its filters and some together, as the htmx fragment (the first page: the desk lists 200
rounds at a time); p50/p95 over all those requests. The due list is what the tablet
computes offline: its inputs (300 areas' schedules and the property's rounds of the last
36 hours, as the tablet's pull holds them) are read from the database and handed to the
tablet's own function (static/src/jobs/patrols-due.js) in Node, which is timed there.

Without a PostgreSQL URL (``--postgres-url`` or ``KEFU_BENCH_POSTGRES_URL``) only SQLite
runs. Each database is fresh and removed at the end. Last line per database:
``RESULT db=<sqlite|postgresql> rounds_page_p50_ms=<n> rounds_page_p95_ms=<n>``.
"""

import argparse
import json
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import g
from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.demo import DEMO_PASSWORD, create_demo  # noqa: E402
from app.desk.routes import PAGE_SIZE, _chosen_filters  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Area, AreaKind, Building, Device, Floor, Property, Role, User  # noqa: E402
from app.patrols.demo import add_checklists, checklist_items  # noqa: E402
from app.patrols.desk import LISTING  # noqa: E402
from app.patrols.editing import build_template  # noqa: E402
from app.patrols.models import (  # noqa: E402
    PatrolResult,
    PatrolRound,
    PatrolSchedule,
)
from app.patrols.sync import KEPT_ON_DEVICE  # noqa: E402
from bench.sync_bench import add_postgres_option, on_each_database  # noqa: E402
from tests.support import AuthActions  # noqa: E402

AREAS = 300
PEOPLE = 5
DAYS = 90
ITEMS_PER_ROUND = 20
CHUNK = 5000
PROBLEM_RATE = 0.04
REQUESTS_PER_QUERY = 15
TARGET_P50_MS = 50

DUE_SCRIPT = """
import { readFileSync } from "node:fs";
import { dueStatus } from "%(module)s";
const { areas, schedules, rounds, now, zone } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const byArea = new Map();
for (const round of rounds) {
  if (!byArea.has(round.area_id)) byArea.set(round.area_id, []);
  byArea.get(round.area_id).push(Date.parse(round.started_at));
}
const schedule = new Map(schedules.map((s) => [s.area_id, s]));
const times = [];
let states = {};
for (let run = 0; run < 30; run += 1) {
  const started = performance.now();
  states = {};
  for (const area of areas) {
    const found = dueStatus(schedule.get(area), byArea.get(area) ?? [], now, zone, 15);
    states[found.state] = (states[found.state] ?? 0) + 1;
  }
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
console.log(JSON.stringify({ p50: times[15], max: times[29], states }));
"""


def seed(app, rounds: int) -> dict:
    """The demo property grown to 300 areas with their schedules, five floor-staff users,
    and ``rounds`` rounds of 20 results each, bulk-inserted."""
    with app.app_context():
        prop = create_demo()
        add_checklists(prop)
        tower = Building(property=prop, name="裙楼")
        for level in range(1, AREAS - 24 + 1):
            floor = Floor(building=tower, name=f"裙{level}F", level=100 + level)
            floor.areas.append(Area(name=f"裙楼{level}层", kind=AreaKind.OTHER))
            db.session.add(floor)
        # A checklist of 20 items for these areas: the office floor's, and more.
        base = checklist_items(AreaKind.OFFICE_FLOOR)
        extra = [{**base[0], "key": f"extra_{n}", "label": f"附加项目{n}"} for n in range(9)]
        template = build_template(prop.id, AreaKind.OTHER, 1, base + extra, created_by=None)
        db.session.flush()
        for area in tower.floors:
            db.session.add(
                PatrolSchedule(
                    property_id=prop.id,
                    area=area.areas[0],
                    every_minutes=120,
                    starts=datetime.strptime("08:00", "%H:%M").time(),
                    ends=datetime.strptime("20:00", "%H:%M").time(),
                    effective_from=datetime.now(UTC) - timedelta(days=DAYS + 1),
                )
            )
        people = []
        for n in range(PEOPLE):
            user = User(
                username=f"bench{n}", display_name=f"巡视员{n}", role=Role.FLOOR_STAFF,
                properties=[prop],
            )  # fmt: skip
            user.set_password(DEMO_PASSWORD)
            people.append(user)
        db.session.add_all(people)
        db.session.flush()
        devices = [Device(id=uuid.uuid4(), user=u, property=prop) for u in people]
        db.session.add_all(devices)
        db.session.commit()
        area_ids = [a.areas[0].id for a in tower.floors] + [
            a.id for f in prop.buildings[0].floors for a in f.areas
        ]
        item_ids = [item.id for item in template.items]
        started = time.perf_counter()
        _bulk(prop.id, template, area_ids, item_ids, people, devices, rounds)
        seconds = time.perf_counter() - started
        return {"property_id": prop.id, "areas": area_ids, "people": [u.id for u in people],
                "seed_s": seconds}  # fmt: skip


def _bulk(property_id, template, area_ids, item_ids, people, devices, rounds) -> None:
    chance = random.Random(7)
    now = datetime.now(UTC)
    connection = db.session.connection()
    round_rows, result_rows = [], []

    def flush():
        if round_rows:
            connection.execute(insert(PatrolRound.__table__), round_rows)
            round_rows.clear()
        if result_rows:
            connection.execute(insert(PatrolResult.__table__), result_rows)
            result_rows.clear()

    span = DAYS * 24 * 3600
    for n in range(rounds):
        person = n % len(people)
        began = now - timedelta(seconds=span * (rounds - n) / rounds)
        round_id = uuid.uuid4()
        problems = [i for i in range(ITEMS_PER_ROUND) if chance.random() < PROBLEM_RATE / 4]
        round_rows.append(
            {
                "id": round_id, "property_id": property_id,
                "area_id": area_ids[chance.randrange(len(area_ids))],
                "template_id": template.id, "template_version": 1, "old_version": False,
                "started_at": began,
                "ended_at": (began + timedelta(minutes=8)),
                "scanned": True, "scanned_code": None, "by_name": people[person].display_name,
                "problems": len(problems), "created_by_id": people[person].id,
                "device_id": devices[person].id,
                "device_time": (began + timedelta(minutes=8)),
                "device_utc_offset": 480,
                "received_at": (began + timedelta(minutes=9)),
            }
        )  # fmt: skip
        for position, item_id in enumerate(item_ids):
            problem = position in problems
            result_rows.append(
                {
                    "id": uuid.uuid4(), "round_id": round_id, "item_id": item_id,
                    "position": position, "outcome": "problem" if problem else "ok",
                    "value": None, "out_of_standard": False,
                    "note": "有问题" if problem else None, "photo_ids": [], "ticket_id": None,
                }
            )  # fmt: skip
        if len(result_rows) >= CHUNK * 4:
            flush()
    flush()
    db.session.commit()
    # After a bulk load, as PostgreSQL's autovacuum would and a site's nightly job does:
    # the planners then know which index narrows an area's rounds best.
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def measure_rounds_page(app, seeded: dict) -> list[float]:
    client = app.test_client()
    AuthActions(client).login("office1")
    with app.app_context():
        today = datetime.now(UTC).date()
    area, other = seeded["areas"][0], seeded["areas"][-1]
    person = seeded["people"][0]
    week_ago = (today - timedelta(days=7)).isoformat()
    month_ago = (today - timedelta(days=30)).isoformat()
    queries = [
        "",
        f"area={area}",
        f"area={other}",
        f"person={person}",
        "problems=yes",
        f"from={week_ago}&to={today.isoformat()}",
        f"from={month_ago}&to={week_ago}",
        f"area={area}&problems=yes",
        f"person={person}&from={week_ago}",
        f"area={area}&person={person}&from={month_ago}&problems=yes",
    ]
    headers = {"HX-Request": "true", "HX-Target": "listing-rows"}
    times = []
    for query in queries:
        client.get(f"/patrols/rounds?{query}", headers=headers)  # warm
        for _ in range(REQUESTS_PER_QUERY):
            started = time.perf_counter()
            reply = client.get(f"/patrols/rounds?{query}", headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert reply.status_code == 200, reply.status_code
        print(f"  rounds page ?{query or '(no filter)'}: "
              f"{statistics.median(times[-REQUESTS_PER_QUERY:]):.1f} ms "
              f"(its queries alone {query_ms(app, seeded, query):.1f} ms)", flush=True)  # fmt: skip
    return times


def query_ms(app, seeded: dict, query: str) -> float:
    """The page's own query and its areas', without the rendering: the median of five."""
    with app.test_request_context(f"/patrols/rounds?{query}"):
        g.property = db.session.get(Property, seeded["property_id"])
        chosen, _values, _choices = _chosen_filters(LISTING)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            db.session.scalars(chosen.limit(PAGE_SIZE)).all()
            times.append((time.perf_counter() - started) * 1000)
            db.session.expire_all()
        return statistics.median(times)


def measure_due_list(app, seeded: dict, folder: str) -> dict:
    """The tablet's inputs as its pull holds them, and its due function timed in Node."""
    with app.app_context():
        started = time.perf_counter()
        prop = db.session.get(Property, seeded["property_id"])
        schedules = [
            {"area_id": s.area_id, "every_minutes": s.every_minutes,
             "starts": s.starts.strftime("%H:%M"),
             "ends": s.ends.strftime("%H:%M") if s.ends else None}
            for s in db.session.scalars(select(PatrolSchedule).where(PatrolSchedule.current))
        ]  # fmt: skip
        since = datetime.now(UTC) - KEPT_ON_DEVICE
        rounds = [
            {"area_id": area_id, "started_at": started_at.isoformat()}
            for area_id, started_at in db.session.execute(
                select(PatrolRound.area_id, PatrolRound.started_at).where(
                    PatrolRound.property_id == prop.id, PatrolRound.started_at >= since
                )
            )
        ]
        read_ms = (time.perf_counter() - started) * 1000
        zone = prop.timezone
    inputs = {
        "areas": [s["area_id"] for s in schedules],
        "schedules": schedules,
        "rounds": rounds,
        "now": int(time.time() * 1000),
        "zone": zone,
    }
    data = Path(folder) / "due-inputs.json"
    data.write_text(json.dumps(inputs))
    script = Path(folder) / "due.mjs"
    module = (ROOT / "static/src/jobs/patrols-due.js").as_uri()
    script.write_text(DUE_SCRIPT % {"module": module})
    done = subprocess.run(["node", str(script), str(data)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    return {
        "areas": len(inputs["areas"]),
        "rounds": len(rounds),
        "input_kb": data.stat().st_size / 1024,
        "read_ms": read_ms,
        **json.loads(done.stdout),
    }


def run(db_name: str, url: str, folder: str, rounds: int) -> str:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
         "KEFU_ATTACHMENT_DIR": f"{folder}/attachments"}
    )  # fmt: skip
    with app.app_context():
        upgrade()
    seeded = seed(app, rounds)
    with app.app_context():
        count = db.session.scalar(select(func.count(PatrolRound.id)))
        results = db.session.scalar(select(func.count(PatrolResult.id)))
        db.session.remove()
    rate = results / seeded["seed_s"]
    print(f"[{db_name}] seeded {count} rounds, {results} item results in "
          f"{seeded['seed_s']:.1f} s ({rate:.0f} results/s)", flush=True)  # fmt: skip
    times = sorted(measure_rounds_page(app, seeded))
    p50 = statistics.median(times)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"[{db_name}] rounds page: {len(times)} requests, p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
          f"max {times[-1]:.1f} ms (target p50 <= {TARGET_P50_MS} ms)", flush=True)  # fmt: skip
    due = measure_due_list(app, seeded, folder)
    print(f"[{db_name}] due list (tablet's function in Node): {due['areas']} areas, "
          f"{due['rounds']} rounds of the last 36 h ({due['input_kb']:.0f} KB of inputs, read "
          f"from the database in {due['read_ms']:.0f} ms): p50 {due['p50']:.2f} ms, "
          f"max {due['max']:.2f} ms; states {due['states']}", flush=True)  # fmt: skip
    with app.app_context():
        db.engine.dispose()
    return f"RESULT db={db_name} rounds_page_p50_ms={p50:.1f} rounds_page_p95_ms={p95:.1f}"


def main() -> int:
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_postgres_option(parser)
    parser.add_argument("--rounds", type=int, default=100_000)
    args = parser.parse_args()
    on_each_database(
        args.postgres_url, lambda db_name, url, folder: run(db_name, url, folder, args.rounds)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
