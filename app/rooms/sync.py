"""Meeting rooms on the device: what a floor tablet holds, and the changes it sends.

Floor staff's tablets hold the property's rooms, the bookings still to come or of the
day with their tasks (scope ``rooms``), and their own ticks. They send booking requests,
task ticks, restore checks and no-shows.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, pre_load, validate
from sqlalchemy import select
from sqlalchemy.orm import object_session

from app import fields as shared
from app.models import Area, Floor, Property, Role, device_time_as_reported
from app.repairs.models import RepairCategory
from app.repairs.tickets import open_ticket
from app.rooms.models import (
    HOLDING,
    Booking,
    BookingState,
    BookingTask,
    Equipment,
    Layout,
    Repeat,
    Room,
    TaskKind,
    TaskTick,
)
from app.rooms.rules import requested_bookings
from sync.handlers import MutationContext
from sync.merge import insert_device_record
from sync.registry import Actor, RecordKind

SCOPE = "rooms"
# A booking stays on the tablet through the day after its end: today's list shows it.
KEPT_AFTER_END = timedelta(days=1)
KEPT_OWN_TICKS = timedelta(hours=36)
NO_SHOW_AFTER = timedelta(minutes=15)
FIRST_DAY, LAST_DAY = date(2020, 1, 1), date(2099, 12, 31)


def floor_staff_hold_the_rooms(actor: Actor) -> set[str]:
    return {SCOPE} if actor.role == Role.FLOOR_STAFF.value else set()


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()


def serialize_room(room: Room) -> dict:
    # Read by id: a room made with only its floor's id has no floor loaded while flushed.
    floor = object_session(room).get(Floor, room.floor_id)
    return {
        "name": room.name,
        "floor": floor.name,
        "capacity": room.capacity,
        "equipment": list(room.equipment),
        "layouts": list(room.layouts),
        "opens_at": room.opens_at.strftime("%H:%M"),
        "closes_at": room.closes_at.strftime("%H:%M"),
        "setup_minutes": room.setup_minutes,
        "cleardown_minutes": room.cleardown_minutes,
    }


def serialize_booking(booking: Booking) -> dict:
    """Columns only: a booking a batch has not written yet reaches here as its values."""
    return {
        "room_id": booking.room_id,
        "state": BookingState(booking.state).value,
        "title": booking.title,
        "company": booking.company,
        "organiser": booking.organiser,
        "phone": booking.phone,
        "starts_at": _iso(booking.starts_at),
        "ends_at": _iso(booking.ends_at),
        "held_from": _iso(booking.held_from),
        "held_until": _iso(booking.held_until),
        "attendees": booking.attendees,
        "layout": Layout(booking.layout).value,
        "equipment": list(booking.equipment or []),
        "tea_for": booking.tea_for,
        "notes": booking.notes,
        "series_id": None if booking.series_id is None else str(booking.series_id),
        "reject_reason": booking.reject_reason,
    }


def serialize_task(task: BookingTask) -> dict:
    return {
        "booking_id": str(task.booking_id),
        "kind": task.kind.value,
        "due_at": _iso(task.due_at),
        "done_at": _iso(task.done_at),
        "done_by": task.done_by.display_name if task.done_by else None,
    }


def serialize_tick(tick: TaskTick) -> dict:
    return {
        "task_id": str(tick.task_id),
        "device_time": device_time_as_reported(tick).isoformat(),
    }


KINDS = [
    RecordKind(
        "room",
        Room,
        serialize=serialize_room,
        scopes=lambda room: {SCOPE},
        partition=lambda room: room.property_id,
    ),
    RecordKind(
        "booking",
        Booking,
        serialize=serialize_booking,
        scopes=lambda booking: {SCOPE},
        partition=lambda booking: booking.property_id,
        expires=lambda booking: booking.held_until + KEPT_AFTER_END,
    ),
    RecordKind(
        "room_task",
        BookingTask,
        serialize=serialize_task,
        scopes=lambda task: {SCOPE},
        partition=lambda task: task.property_id,
        # The restore check is due when the booking's buffer ends.
        expires=lambda task: task.due_at + KEPT_AFTER_END,
    ),
    RecordKind(
        "room_tick",
        TaskTick,
        serialize=serialize_tick,
        scopes=lambda tick: {f"user:{tick.created_by_id}"},
        partition=lambda tick: tick.property_id,
        expires=lambda tick: tick.received_at + KEPT_OWN_TICKS,
    ),
]


def optional_text(max_length: int = shared.MAX_TEXT) -> fields.String:
    """Free text a person may leave blank, as the rooms' forms say its limit."""
    return fields.String(
        load_default="",
        validate=validate.Length(
            max=max_length, error=_l("At most %(max)s characters.", max=max_length)
        ),
    )


def _day(**kwargs) -> fields.Date:
    return fields.Date(
        validate=validate.Range(
            min=FIRST_DAY, max=LAST_DAY, error=_l("Choose a day from 2020 to 2099.")
        ),
        **kwargs,
    )


class RequestFields(Schema):
    """A booking request 会议室使用申请单, as the tablet's and the desktop's forms fill it."""

    room_id = fields.Integer(required=True)
    date = _day(required=True)
    starts = fields.Time(required=True)
    ends = fields.Time(required=True)
    title = shared.text(120)
    company = shared.text(120)
    organiser = shared.text(60)
    phone = shared.text(40)
    attendees = shared.count(1, 1000, required=True)
    layout = fields.Enum(Layout, by_value=True, required=True)
    equipment = fields.List(fields.Enum(Equipment, by_value=True), load_default=list)
    # How many the tea service 茶水 is for; 0: none.
    tea_for = shared.count(0, 1000, load_default=0)
    notes = optional_text()
    repeat = fields.Enum(Repeat, by_value=True, load_default=Repeat.NONE)
    until = _day(load_default=None, allow_none=True)

    @pre_load
    def _blank_means_none(self, data, **kwargs):
        # A form's empty date field says "no end date"; an empty count of tea, none.
        if isinstance(data, dict) and data.get("until") == "":
            data = {**data, "until": None}
        if isinstance(data, dict) and data.get("tea_for") is None and "tea_for" in data:
            data = {**data, "tea_for": 0}
        return data


class RequestArgs(RequestFields):
    id = fields.UUID(required=True)


def request_booking(context: MutationContext, args: dict) -> None:
    """A request made on a tablet: checked with authority, then pending approval."""
    session = context.session
    property_id = context.actor.property_id
    zone = session.get(Property, property_id).timezone
    # Requests earlier in this batch must be in the table for the overlap query to see.
    context.write_new_records()
    for booking_id, values in requested_bookings(session, property_id, zone, args["id"], args):
        insert_device_record(context, Booking, booking_id, values)


class TickArgs(Schema):
    id = fields.UUID(required=True)
    task_id = fields.UUID(required=True)


class RestoreArgs(TickArgs):
    """The restore check 恢复检查 after a meeting."""

    damaged = fields.Boolean(load_default=False)
    note = optional_text()
    photo_ids = shared.photo_ids()
    items_left = optional_text(500)
    restored = fields.Boolean(load_default=True)


def _task_here(context: MutationContext, task_id) -> BookingTask:
    """The task ticked, if it is this property's and its booking still stands: a tick made
    offline before a cancellation, rejection or no-show reached the tablet is refused."""
    task = context.session.get(BookingTask, task_id)
    if task is None or task.property_id != context.actor.property_id:
        context.reject("unknown_task", "There is no such task at this property.")
    if task.booking.state is not BookingState.CONFIRMED:
        context.reject(
            "booking_not_active", "The booking was cancelled, rejected or marked a no-show."
        )
    return task


def _count_tick(context: MutationContext, task: BookingTask, tick_id) -> None:
    """Every tick is kept; the task is done by the first one by the device's clock, so two
    people ticking it offline see no conflict, and the earlier one is named."""
    if task.done_at is None or context.device_time < task.done_at:
        task.done_at = context.device_time
        task.done_by_id = context.actor.user_id
        task.done_tick_id = tick_id


def _insert_tick(context: MutationContext, task: BookingTask, args: dict, values: dict) -> None:
    insert_device_record(
        context,
        TaskTick,
        args["id"],
        {"property_id": context.actor.property_id, "task_id": task.id, **values},
    )
    _count_tick(context, task, args["id"])


def tick_task(context: MutationContext, args: dict) -> None:
    task = _task_here(context, args["task_id"])
    if task.kind is TaskKind.RESTORE:
        context.reject("restore_needs_check", "The restore check is recorded with its findings.")
    _insert_tick(context, task, args, {})


def record_restore_check(context: MutationContext, args: dict) -> None:
    task = _task_here(context, args["task_id"])
    if task.kind is not TaskKind.RESTORE:
        context.reject("unknown_task", "Only a restore check records findings.")
    if context.device_time < task.booking.starts_at:
        context.reject("meeting_not_begun", "A restore check is made after the meeting.")
    note = args["note"].strip()
    if args["damaged"] and not note:
        context.reject("note_needed", "A problem needs a note of what is damaged.")
    photo_ids = [str(photo_id) for photo_id in args["photo_ids"]]
    values = {
        "damaged": args["damaged"],
        "note": note,
        "photo_ids": photo_ids,
        "items_left": args["items_left"].strip(),
        "restored": args["restored"],
    }
    _insert_tick(context, task, args, values)
    context.reference_attachments("room_tick", args["id"], args["photo_ids"])
    if args["damaged"]:
        _report_damage(context, task, args["id"], note, photo_ids)


def repair_ticket_id(check_id: uuid.UUID) -> uuid.UUID:
    """The repair ticket a restore check's problem opened."""
    return uuid.uuid5(check_id, "facilities")


def _report_damage(context: MutationContext, task: BookingTask, check_id, note, photo_ids):
    """A problem the restore check found becomes a repair ticket 维修单 for engineering:
    one per check, so a check sent again opens nothing new."""
    room = context.session.get(Booking, task.booking_id).room
    area_id = context.session.scalar(
        select(Area.id).where(Area.floor_id == room.floor_id).order_by(Area.id).limit(1)
    )
    open_ticket(
        context,
        ticket_id=repair_ticket_id(check_id),
        category=RepairCategory.FACILITIES,
        location=f"{room.floor.name} · {room.name}",
        note=note,
        photo_ids=photo_ids,
        source="room_restore",
        source_id=check_id,
        area_id=area_id,
    )


class NoShowArgs(Schema):
    booking_id = fields.UUID(required=True)


def mark_no_show(context: MutationContext, args: dict) -> None:
    """The organiser has not come 15 minutes after the start: the room is free again."""
    booking = context.session.get(Booking, args["booking_id"])
    if booking is None or booking.property_id != context.actor.property_id:
        context.reject("unknown_booking", "There is no such booking at this property.")
    if booking.state is BookingState.NO_SHOW:
        return
    if booking.state not in HOLDING:
        context.reject("not_held", "This booking no longer holds the room.")
    if context.device_time < booking.starts_at + NO_SHOW_AFTER:
        context.reject("too_early", "A no-show is marked 15 minutes after the start.")
    booking.state = BookingState.NO_SHOW
