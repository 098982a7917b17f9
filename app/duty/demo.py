"""A morning's duty log at the demo property, written on a demo tablet."""

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.duty.models import Category, DutyEntry
from app.extensions import db
from app.models import Area, Device, Property, User, areas_at, utcnow

DEMO_ENTRIES = [
    ("floor1", "大堂", Category.FACILITY, "大堂东侧旋转门转动有异响，已报工程部。"),
    ("floor1", "12层办公区", Category.HYGIENE, "12 层茶水间地面有积水，已通知保洁。"),
    ("guard1", None, Category.SAFETY, "早班交接：消防通道畅通，监控正常。"),
]


def add_demo_entries(prop: Property) -> None:
    now = utcnow()
    tablets: dict[str, Device] = {}
    for minutes_ago, (username, area_name, category, text) in zip(
        (95, 50, 20), DEMO_ENTRIES, strict=True
    ):
        user = db.session.scalar(select(User).where(User.username == username))
        if username not in tablets:
            tablets[username] = Device(
                id=uuid.uuid4(), user=user, property=prop, user_agent="demo tablet"
            )
        device = tablets[username]
        area_id = (
            db.session.scalar(areas_at(prop.id, Area.id).where(Area.name == area_name))
            if area_name
            else None
        )
        moment = now - timedelta(minutes=minutes_ago)
        db.session.add(
            DutyEntry(
                id=uuid.uuid4(),
                property_id=prop.id,
                area_id=area_id,
                category=category,
                text=text,
                photo_ids=[],
                created_by=user,
                device=device,
                device_time=moment,
                received_at=moment + timedelta(seconds=5),
            )
        )
