"""The demo property's gate: three units under renovation with their permits, 25 worker
passes (one revoked, one expired), a week of entries and exits, and two exit passes."""

import base64
import random
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.gate.issue import issue_exit_pass, issue_pass
from app.gate.models import (
    CheckState,
    Direction,
    GateEvent,
    GateSettings,
    PassState,
    Permit,
    WorkerPass,
)
from app.gate.rules import check_character
from app.gate.sync import end_of_day
from app.models import Device, Property, User, utcnow

#: A plain worker silhouette (a real JPEG), the demo passes' photo.
DEMO_PHOTO = (Path(__file__).parent / "demo-worker.jpg").read_bytes()
DEMO_THUMBNAIL = "data:image/jpeg;base64," + base64.b64encode(DEMO_PHOTO).decode()

PERMITS = [
    ("1203室", "周女士", "匠心装饰工程有限公司", "黄师傅", "13800001203", 9),
    ("1508室", "孙先生", "安居家装有限公司", "吴师傅", "13900001508", 8),
    ("2001室", "郑总", "华美建筑装饰有限公司", "马师傅", "13700002001", 8),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "志强", "海涛", "小军", "国平", "德明", "春生", "永福", "宏伟", "立新"]
TRADES = ["木工", "电工", "油漆工", "泥瓦工", "水暖工"]


def demo_id_number(rng: random.Random) -> str:
    """A made-up ID number with a correct check digit."""
    region = rng.choice(["110101", "310104", "440305", "510107"])
    born = datetime(1965, 1, 1) + timedelta(days=rng.randrange(365 * 35))
    first17 = f"{region}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + check_character(first17)


def add_demo_gate(prop: Property) -> None:
    rng = random.Random(13)
    zone = ZoneInfo(prop.timezone)
    today = utcnow().astimezone(zone).date()
    db.session.add(GateSettings.of(prop.id))
    passes: list[WorkerPass] = []
    for unit, owner, company, foreman, phone, workers in PERMITS:
        permit = Permit(
            property_id=prop.id,
            unit=unit,
            owner=owner,
            company=company,
            foreman=foreman,
            foreman_phone=phone,
            starts_on=today - timedelta(days=20),
            ends_on=today + timedelta(days=40),
            deposit_yuan=5000,
        )
        db.session.add(permit)
        db.session.flush()
        for _ in range(workers):
            passes.append(
                issue_pass(
                    permit,
                    (DEMO_PHOTO, "image/jpeg", DEMO_THUMBNAIL),
                    name=rng.choice(SURNAMES) + rng.choice(GIVEN),
                    id_number=demo_id_number(rng),
                    phone=f"139{rng.randrange(10**8):08d}",
                    trade=rng.choice(TRADES),
                    valid_from=permit.starts_on,
                    valid_until=permit.ends_on,
                )
            )
    revoked, expired = passes[3], passes[12]
    revoked.state = PassState.REVOKED
    revoked.revoked_reason = "已离职，证件未退回"
    revoked.revoked_at = utcnow() - timedelta(days=1)
    expired.valid_from = today - timedelta(days=20)
    expired.valid_until = today - timedelta(days=2)
    revoked.photo.live = False
    expired.photo.expires_at = end_of_day(expired.valid_until, prop.timezone)
    guard = db.session.scalar(select(User).where(User.username == "guard1"))
    tablet = Device(
        id=uuid.uuid4(), user=guard, property=prop, user_agent="demo tablet", name="1号门岗平板"
    )
    db.session.add(tablet)
    live = [p for p in passes if p is not revoked and p is not expired]
    for days_ago in range(7, 0, -1):
        day = today - timedelta(days=days_ago)
        if day.weekday() == 6:
            continue
        for worker_pass in rng.sample(live, 12):
            arrive = datetime.combine(day, time(7, 50), tzinfo=zone) + timedelta(
                minutes=rng.randrange(40)
            )
            leave = datetime.combine(day, time(17, 30), tzinfo=zone) + timedelta(
                minutes=rng.randrange(40)
            )
            for direction, moment, shown in (
                (Direction.ENTRY, arrive, CheckState.VALID_ENTERING),
                (Direction.EXIT, leave, CheckState.VALID_LEAVING),
            ):
                db.session.add(
                    GateEvent(
                        id=uuid.uuid4(),
                        property_id=prop.id,
                        direction=direction,
                        pass_id=worker_pass.id,
                        shown=shown,
                        created_by=guard,
                        device=tablet,
                        device_time=moment,
                        device_utc_offset=480,
                        received_at=moment + timedelta(seconds=20),
                    )
                )
    office = db.session.scalar(select(User).where(User.username == "office1"))
    for unit, items, carrier, plate in (
        ("1203室", "旧木门 2 扇，废旧瓷砖 30 箱", "黄师傅", "沪A·12345"),
        ("2001室", "办公桌椅 12 套", "马师傅", "沪B·67890"),
    ):
        issue_exit_pass(
            prop.id,
            office.id,
            unit=unit,
            items=items,
            carrier=carrier,
            plate=plate,
            valid_on=today,
            approver="陈主管",
        )
