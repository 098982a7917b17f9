"""A week of repair tickets at the demo property, one or more in every state.

Made through the same calls as real ones (``open_ticket``, ``move_ticket``), each as its
person on their demo tablet, so that numbers, steps and field history are as the
devices would leave them.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Area, Device, Property, User, areas_at, utcnow
from app.repairs.models import RepairCategory, RepairTicket
from app.repairs.tickets import DESK, MOVES, move_ticket, open_ticket
from app.syncapi import current_registry
from sync.handlers import MutationContext
from sync.registry import Actor

C = RepairCategory
DEMO_TABLET = "demo tablet"
RECEIVED_AFTER = timedelta(seconds=20)
ASSIGN = ("super1", "assign", "请尽快处理。")
START = ("eng1", "start", "已到现场检查。")
FIX = ("eng1", "fix", "已修复，试运行正常。")
# Where, what, what is wrong, then the moves made: (who, move, note).
DEMO_TICKETS = [
    ("大堂", C.DOORS_WINDOWS, "大堂东侧旋转门转动有异响。", []),
    ("12层办公区", C.LIGHTING, "12 层走廊东侧两盏筒灯不亮。", [ASSIGN]),
    (
        "设备房",
        C.HVAC,
        "新风机组皮带松动，噪音大。",
        [ASSIGN, ("eng1", "start", "已停机，待换皮带。")],
    ),
    ("地下停车场", C.LIGHTING, "B1 停车场 C 区照明灯闪烁。", [ASSIGN, START, FIX]),
    ("大堂", C.GATES, "入口道闸抬杆迟缓。", [ASSIGN, START, FIX, ("floor1", "verify", "已核实。")]),
    (
        "会议层",
        C.FACILITIES,
        "2201 会议室投影仪无信号。",
        [ASSIGN, START, FIX, ("floor1", "reopen", "仍无信号，HDMI 接口松动。")],
    ),
]


def ticket_with_moves(prop: Property, area_name, category, note, moves, moment) -> uuid.UUID:
    """A ticket that floor1 opened at ``moment`` in the named area, moved as ``moves``
    say, each person on their own demo tablet (the office at the desk)."""
    registry = current_registry()
    people = {user.username: user for user in db.session.scalars(select(User))}

    def as_person(username: str, at) -> MutationContext:
        user = people[username]
        device_id = None  # the office desk is no device
        if user.role not in DESK:
            device_id = db.session.scalar(
                select(Device.id).where(
                    (Device.user_id == user.id) & (Device.user_agent == DEMO_TABLET)
                )
            )
            if device_id is None:
                device_id = uuid.uuid4()
                db.session.add(
                    Device(id=device_id, user=user, property=prop, user_agent=DEMO_TABLET)
                )
                db.session.flush()
        actor = Actor(device_id, user.id, user.role.value, prop.id)
        return MutationContext(db.session, registry, actor, None, None, at, at + RECEIVED_AFTER)

    area = db.session.scalar(areas_at(prop.id).where(Area.name == area_name))
    ticket_id = uuid.uuid4()
    open_ticket(
        as_person("floor1", moment),
        ticket_id=ticket_id,
        category=category,
        location=f"{area.floor.name} {area.name}",
        note=note,
        photo_ids=[],
        source="patrol",
        source_id=uuid.uuid4(),
        area_id=area.id,
    )
    for number, (username, move, step_note) in enumerate(moves, start=1):
        move_ticket(
            as_person(username, moment + timedelta(minutes=40 * number)),
            MOVES[move],
            ticket_id=ticket_id,
            step_id=uuid.uuid4(),
            base_version=db.session.get(RepairTicket, ticket_id).version,
            note=step_note,
            assign_to=people["eng1"].id,
        )
    return ticket_id


def add_demo_tickets(prop: Property) -> None:
    now = utcnow()
    for days_ago, ticket in enumerate(reversed(DEMO_TICKETS)):
        ticket_with_moves(prop, *ticket, now - timedelta(days=days_ago, hours=3))
