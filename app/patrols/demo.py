"""The demo property's checklists, schedules and standards, and a week of past rounds."""

from __future__ import annotations

import random
import uuid
from datetime import time, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Area, AreaKind, Device, Property, User, areas_at, utcnow
from app.patrols.editing import ITEM_FIELDS, build_template
from app.patrols.models import (
    AreaStandard,
    ChecklistTemplate,
    ItemKind,
    Outcome,
    PatrolResult,
    PatrolRound,
    PatrolSchedule,
)
from app.patrols.schedule import Schedule, slots
from app.repairs.models import RepairCategory
from app.repairs.tickets import open_ticket
from app.syncapi import current_registry
from sync.handlers import MutationContext
from sync.registry import Actor

CHECK, READING, TEXT = ItemKind.CHECK, ItemKind.READING, ItemKind.TEXT
# key, label, kind, unit, min, max, repair category, photo required on a problem
DOORS = ("doors_windows", "门窗是否正常使用", CHECK, None, None, None, "doors_windows", False)
ENTRANCE = ("entrance", "大门", CHECK, None, None, None, "gates", False)
BARRIERS = ("barrier_gates", "道闸", CHECK, None, None, None, "gates", False)
LIGHTING = ("lighting", "照明灯具完好", CHECK, None, None, None, "lighting", False)
FIRE = ("fire_equipment", "消防器材完好", CHECK, None, None, None, "fire", True)
AC = ("ac_comfort", "空调舒适度", READING, "°C", 22.0, 26.0, "hvac", False)
LIGHT = ("light_level", "照明光线亮度", READING, "lux", 300.0, 750.0, "lighting", False)
AROMA = ("aroma", "香薰气味浓度", READING, "级", 2.0, 3.0, "facilities", False)
FLOOR_CLEAN = ("floor_clean", "地面清洁", CHECK, None, None, None, "cleaning", False)
WALLS_CLEAN = ("walls_ceiling_clean", "墙面、天花清洁", CHECK, None, None, None, "cleaning", False)
PLANTS = ("plants", "植物是否有干枯", CHECK, None, None, None, "plants", False)
LIFTS = ("lifts", "客梯运行正常", CHECK, None, None, None, "lifts", False)
OTHER = ("other_facilities", "其他设施运行正常", CHECK, None, None, None, "facilities", False)
REMARKS = ("remarks", "其他情况说明", TEXT, None, None, None, "other", False)

CHECKLISTS = {
    AreaKind.LOBBY: [DOORS, ENTRANCE, BARRIERS, LIGHTING, FIRE, AC, LIGHT, AROMA,
                     FLOOR_CLEAN, WALLS_CLEAN, PLANTS, LIFTS, OTHER],
    AreaKind.OFFICE_FLOOR: [DOORS, LIGHTING, FIRE, AC, LIGHT, AROMA, FLOOR_CLEAN,
                            WALLS_CLEAN, PLANTS, LIFTS, OTHER],
    AreaKind.MEETING_FLOOR: [DOORS, LIGHTING, FIRE, AC, LIGHT, FLOOR_CLEAN, PLANTS, OTHER],
    AreaKind.CAR_PARK: [BARRIERS, LIGHTING, FIRE, FLOOR_CLEAN, OTHER],
    AreaKind.PLANT_ROOM: [DOORS, LIGHTING, FIRE, OTHER, REMARKS],
}  # fmt: skip

# every N minutes from..to, or daily (None) at from
SCHEDULES = {
    AreaKind.LOBBY: (60, time(8), time(20)),
    AreaKind.OFFICE_FLOOR: (120, time(8), time(20)),
    AreaKind.MEETING_FLOOR: (120, time(8), time(18)),
    AreaKind.CAR_PARK: (240, time(8), time(20)),
    AreaKind.PLANT_ROOM: (None, time(9), None),
}
# The lobby is lit brighter than the office floors' standard.
LOBBY_LIGHT = (500.0, 1000.0)


def checklist_items(kind: AreaKind) -> list[dict]:
    """The demo checklist of an area kind, as ``build_template`` takes it."""
    items = [dict(zip(ITEM_FIELDS, item, strict=True)) for item in CHECKLISTS[kind]]
    return [{**item, "category": RepairCategory(item["category"])} for item in items]


def add_checklists(prop: Property) -> None:
    """Version 1 of each checklist, every area's schedule, the lobby's light standard."""
    for kind in CHECKLISTS:
        build_template(prop.id, kind, 1, checklist_items(kind), created_by=None)
    for area in db.session.scalars(areas_at(prop.id)):
        every, starts, ends = SCHEDULES.get(area.kind, SCHEDULES[AreaKind.PLANT_ROOM])
        db.session.add(
            PatrolSchedule(
                property_id=prop.id,
                area=area,
                every_minutes=every,
                starts=starts,
                ends=ends,
                effective_from=utcnow() - timedelta(days=30),
            )
        )
        if area.kind is AreaKind.LOBBY:
            db.session.add(
                AreaStandard(
                    property_id=prop.id,
                    area_id=area.id,
                    item_key=LIGHT[0],
                    min_value=LOBBY_LIGHT[0],
                    max_value=LOBBY_LIGHT[1],
                )
            )
    db.session.flush()


# area name, days ago, item key, value or None, note
DEMO_PROBLEMS = [
    ("大堂", 1, "lighting", None, "东侧筒灯两盏不亮"),
    ("大堂", 3, "barrier_gates", None, "2 号道闸抬杆迟缓"),
    ("12层办公区", 2, "plants", None, "电梯厅绿植叶子干枯，需更换"),
    ("12层办公区", 0, "ac_comfort", 28.5, "走廊偏热"),
]
WALKED = ["大堂", "12层办公区", "5层办公区"]


def add_demo_patrols(prop: Property) -> None:
    add_checklists(prop)
    floor1 = db.session.scalar(select(User).where(User.username == "floor1"))
    device = db.session.scalar(
        select(Device).where(Device.user_id == floor1.id, Device.property_id == prop.id)
    ) or Device(id=uuid.uuid4(), user=floor1, property=prop, user_agent="demo tablet")
    db.session.add(device)
    now = utcnow()
    # Each problem once, in the first round of its day.
    remaining = list(DEMO_PROBLEMS)
    chance = random.Random(11)
    templates = {
        t.area_kind: t
        for t in db.session.scalars(
            select(ChecklistTemplate).where(ChecklistTemplate.property_id == prop.id)
        )
    }
    for name in WALKED:
        area = db.session.scalar(areas_at(prop.id).where(Area.name == name))
        template = templates[area.kind]
        every, starts, ends = SCHEDULES[area.kind]
        week = slots([Schedule(every, starts, ends)], now - timedelta(days=7), now, prop.timezone)
        for slot in week:
            if chance.random() < 0.05:
                continue  # a missed round, for the office to see
            begun = slot.starts + timedelta(minutes=chance.choice([2, 4, 6, 9, 25]))
            if begun > now:
                continue
            days_ago = (now - begun).days
            found = [p for p in remaining if p[0] == name and p[1] == days_ago]
            for problem in found:
                remaining.remove(problem)
            problems = {key: (value, note) for _where, _ago, key, value, note in found}
            _demo_round(prop, area, template, device, floor1, begun, problems)


def _demo_round(prop, area, template, device, user, begun, problems) -> None:
    round_id = uuid.uuid4()
    db.session.add(
        PatrolRound(
            id=round_id,
            property_id=prop.id,
            area_id=area.id,
            template_id=template.id,
            template_version=template.version,
            started_at=begun,
            ended_at=begun + timedelta(minutes=7),
            scanned=True,
            scanned_code=area.checkpoint_code,
            by_name=user.display_name,
            problems=len(problems),
            created_by=user,
            device=device,
            device_time=begun + timedelta(minutes=7),
            device_utc_offset=480,
            received_at=begun + timedelta(minutes=7, seconds=20),
        )
    )
    # Results refer to their round by key alone: the round goes in first.
    db.session.flush()
    context = MutationContext(
        db.session,
        current_registry(),
        Actor(device.id, user.id, user.role.value, prop.id),
        None,
        None,
        begun + timedelta(minutes=7),
        begun + timedelta(minutes=7, seconds=20),
    )
    for item in template.items:
        value, note = problems.get(item.key, (None, None))
        if item.key in problems:
            # As the round's mutation would: through the repairs job's own call.
            open_ticket(
                context,
                ticket_id=uuid.uuid5(round_id, item.key),
                category=item.category,
                location=f"{area.floor.name} · {area.name}",
                note=f"{item.label}：{note}",
                photo_ids=[],
                source="patrol",
                source_id=round_id,
                area_id=area.id,
            )
        if item.kind is ItemKind.READING and value is None:
            value = round(((item.min_value or 0) + (item.max_value or 0)) / 2, 1)
        db.session.add(
            PatrolResult(
                id=uuid.uuid5(round_id, f"result:{item.key}"),
                round_id=round_id,
                item_id=item.id,
                position=item.position,
                outcome=Outcome.PROBLEM if item.key in problems else Outcome.OK,
                value=value if item.kind is ItemKind.READING else None,
                out_of_standard=item.kind is ItemKind.READING and item.key in problems,
                note=note if item.kind is not ItemKind.TEXT else "无",
                photo_ids=[],
                ticket_id=uuid.uuid5(round_id, item.key) if item.key in problems else None,
            )
        )
