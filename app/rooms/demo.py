"""Four rooms on the demo tower's meeting floor and a week of their bookings: every state,
today's tasks partly ticked."""

import uuid
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.extensions import db
from app.models import Area, AreaKind, Device, Floor, Property, User, areas_at, utcnow
from app.rooms.approval import approve, cancel, reject
from app.rooms.models import (
    Booking,
    BookingState,
    BookingTask,
    Equipment,
    Layout,
    Room,
    TaskTick,
)
from app.rooms.rules import local_instant

ALL_EQUIPMENT = [e.value for e in Equipment]
ROOMS = [
    # name, capacity, equipment, layouts
    ("长江厅", 40, ALL_EQUIPMENT, [Layout.THEATRE, Layout.CLASSROOM, Layout.U_SHAPE]),
    ("黄河厅", 20, ["projector", "screen", "microphones"], [Layout.BOARDROOM, Layout.U_SHAPE]),
    ("泰山室", 12, ["screen", "video"], [Layout.BOARDROOM]),
    ("华山室", 8, ["screen"], [Layout.BOARDROOM]),
]
# (room index, start hour, hours, title, company, state) for each day, shifted by day.
MEETINGS = [
    (0, 9, 2, "季度经营分析会", "华信科技", BookingState.CONFIRMED),
    (1, 10, 1, "新员工培训", "远航物流", BookingState.CONFIRMED),
    (2, 14, 2, "客户视频会议", "博雅律师事务所", BookingState.PENDING),
    (3, 15, 1, "项目例会", "星河设计", BookingState.CONFIRMED),
    (1, 16, 1, "供应商洽谈", "远航物流", BookingState.REJECTED),
    (0, 14, 1, "产品发布彩排", "华信科技", BookingState.CANCELLED),
]


def _meeting_floor(prop: Property) -> Floor:
    area = db.session.scalar(areas_at(prop.id).where(Area.kind == AreaKind.MEETING_FLOOR))
    return area.floor


def add_demo_rooms(prop: Property) -> None:
    floor = _meeting_floor(prop)
    rooms = [
        Room(
            property_id=prop.id,
            floor=floor,
            name=name,
            capacity=capacity,
            equipment=equipment,
            layouts=[layout.value for layout in layouts],
            opens_at=time(8),
            closes_at=time(21),
        )
        for name, capacity, equipment, layouts in ROOMS
    ]
    db.session.add_all(rooms)
    staff = db.session.scalar(select(User).where(User.username == "floor1"))
    supervisor = db.session.scalar(select(User).where(User.username == "super1"))
    tablet = Device(id=uuid.uuid4(), user=staff, property=prop, user_agent="demo tablet")
    db.session.add(tablet)
    db.session.flush()
    now = utcnow()
    today = now.astimezone(ZoneInfo(prop.timezone)).date()
    for offset in range(-2, 5):
        day = today + timedelta(days=offset)
        for index, (room_no, hour, hours, title, company, state) in enumerate(MEETINGS):
            room = rooms[room_no]
            starts_at = local_instant(day, time(hour), prop.timezone)
            ends_at = starts_at + timedelta(hours=hours)
            booking = Booking(
                id=uuid.uuid4(),
                property_id=prop.id,
                room=room,
                state=BookingState.PENDING,
                title=title,
                company=company,
                organiser="刘女士",
                phone="13800000000",
                starts_at=starts_at,
                ends_at=ends_at,
                held_from=starts_at - timedelta(minutes=room.setup_minutes),
                held_until=ends_at + timedelta(minutes=room.cleardown_minutes),
                attendees=min(room.capacity, 6 + index),
                layout=Layout(room.layouts[0]),
                equipment=room.equipment[:1],
                tea_for=6 if index % 2 == 0 else 0,
                created_by=staff,
                device=tablet,
                device_time=starts_at - timedelta(days=3),
                received_at=starts_at - timedelta(days=3),
            )
            db.session.add(booking)
            _decide(booking, state, offset, supervisor)
            # Past meetings that nobody came to were released.
            if offset < 0 and index == 3:
                booking.state = BookingState.NO_SHOW
    db.session.flush()
    _tick_done_tasks(prop, tablet, staff, now)


def _decide(booking: Booking, state: BookingState, offset: int, supervisor: User) -> None:
    if state is BookingState.PENDING and offset < 1:
        state = BookingState.CONFIRMED  # what is left pending lies ahead
    if state in (BookingState.CONFIRMED, BookingState.CANCELLED):
        approve(db.session, booking, supervisor)
    if state is BookingState.CANCELLED:
        cancel(db.session, booking)
    elif state is BookingState.REJECTED:
        reject(db.session, booking, supervisor, "该时段会议室需检修")


def _tick_done_tasks(prop: Property, tablet: Device, staff: User, now) -> None:
    """Tasks due more than an hour ago are done, and every other one due before now."""
    due = db.session.scalars(
        select(BookingTask).where((BookingTask.property_id == prop.id) & (BookingTask.due_at < now))
    ).all()
    for number, task in enumerate(due):
        if task.due_at > now - timedelta(hours=1) and number % 2:
            continue
        moment = task.due_at - timedelta(minutes=3)
        tick = TaskTick(
            id=uuid.uuid4(),
            property_id=prop.id,
            task_id=task.id,
            created_by=staff,
            device=tablet,
            device_time=moment,
            received_at=moment + timedelta(minutes=1),
        )
        db.session.add(tick)
        task.done_at, task.done_by, task.done_tick_id = moment, staff, tick.id
