"""The rules of a booking request, the same whether a tablet or the office's desktop made it.

A request names a room, a day and local times; it may repeat daily or weekly until a
date, each occurrence its own booking. It must fit the room (opening hours, capacity,
layout, equipment) and, with the room's buffers around it, touch no other pending or
confirmed booking of the room. A request that breaks a rule is refused whole with a
reason code (``Rejected``); an overlap names the occurrence that clashes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.rooms.models import HOLDING, Booking, BookingState, Repeat, Room
from sync.errors import Rejected

#: The most occurrences one request may make: a year of weekly meetings.
MAX_OCCURRENCES = 53
#: The longest a booking holds its room: a day, and the longest buffers either side (the
#: office's room form allows 240 minutes each). It bounds the overlap query's index scan.
LONGEST_HOLD = timedelta(hours=24 + 2 * 4)
STEP = {Repeat.DAILY: timedelta(days=1), Repeat.WEEKLY: timedelta(days=7)}


class Refused(Rejected):
    """A request the rules refuse; ``on`` is the day of the occurrence that clashed."""

    def __init__(self, reason: str, message: str, on: date | None = None):
        super().__init__(reason, message)
        self.on = on


@dataclass(frozen=True)
class Occurrence:
    """One booking a request makes: its id and its times in UTC, buffers included."""

    id: uuid.UUID
    day: date
    starts_at: datetime
    ends_at: datetime
    held_from: datetime
    held_until: datetime


def local_instant(day: date, moment: time, zone: str) -> datetime:
    """A local day and time of the property as an instant in UTC."""
    return datetime.combine(day, moment).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def occurrence_id(first_id: uuid.UUID, index: int) -> uuid.UUID:
    """The id of a series' ``index``-th booking: the first keeps the request's own id, so a
    request sent twice makes the same bookings."""
    return first_id if index == 0 else uuid.uuid5(first_id, str(index))


def days_of(args: dict) -> list[date]:
    repeat = args.get("repeat") or Repeat.NONE
    if repeat is Repeat.NONE:
        return [args["date"]]
    until = args.get("until")
    if until is None or until < args["date"]:
        raise Refused("bad_repeat", "A repeating request needs an end date after its first day.")
    days, day = [], args["date"]
    while day <= until:
        days.append(day)
        if len(days) > MAX_OCCURRENCES:
            raise Refused("too_many", f"At most {MAX_OCCURRENCES} occurrences in one request.")
        day += STEP[repeat]
    return days


def room_at(session: Session, property_id: int, room_id) -> Room:
    room = session.get(Room, room_id) if isinstance(room_id, int) else None
    if room is None or room.property_id != property_id:
        raise Refused("unknown_room", "There is no such room at this property.")
    return room


def fits_the_room(room: Room, args: dict) -> None:
    """The checks that need no other booking: hours, capacity, layout, equipment."""
    if args["ends"] <= args["starts"]:
        raise Refused("bad_times", "A booking ends after it starts.")
    if args["starts"] < room.opens_at or args["ends"] > room.closes_at:
        raise Refused(
            "outside_hours",
            f"{room.name} is open {room.opens_at:%H:%M}–{room.closes_at:%H:%M}.",
        )
    if args["attendees"] > room.capacity:
        raise Refused("over_capacity", f"{room.name} seats {room.capacity}.")
    if args["layout"].value not in room.layouts:
        raise Refused("layout_not_offered", f"{room.name} cannot take this layout.")
    missing = sorted({e.value for e in args["equipment"]} - set(room.equipment))
    if missing:
        raise Refused("equipment_missing", f"{room.name} has no {', '.join(missing)}.")


def plan(session: Session, property_id: int, zone: str, first_id: uuid.UUID, args: dict):
    """The room and the occurrences a request makes, checked against the room.

    Raises ``Refused``; the overlap with other bookings is checked by ``ensure_free``.
    """
    room = room_at(session, property_id, args["room_id"])
    fits_the_room(room, args)
    occurrences = []
    for index, day in enumerate(days_of(args)):
        starts_at = local_instant(day, args["starts"], zone)
        ends_at = local_instant(day, args["ends"], zone)
        occurrences.append(
            Occurrence(
                occurrence_id(first_id, index),
                day,
                starts_at,
                ends_at,
                starts_at - timedelta(minutes=room.setup_minutes),
                ends_at + timedelta(minutes=room.cleardown_minutes),
            )
        )
    return room, occurrences


def clashing(session: Session, room_id: int, held_from, held_until, not_ids=()):
    """A pending or confirmed booking of the room whose held interval meets this one."""
    query = select(Booking).where(
        (Booking.room_id == room_id)
        & Booking.state.in_(HOLDING)
        & (Booking.held_from < held_until)
        & (Booking.held_from > held_from - LONGEST_HOLD)
        & (Booking.held_until > held_from)
    )
    if not_ids:
        query = query.where(Booking.id.not_in(list(not_ids)))
    return session.scalars(query.limit(1)).first()


def ensure_free(session: Session, room: Room, occurrences: list[Occurrence]) -> None:
    """Refuse the request if any occurrence touches another booking of the room.

    The caller holds the property's write lock (``sync.changes.bump_partition``): on
    SQLite that serialises every writer, on PostgreSQL every writer of the property; the
    exclusion constraint backs it up there.
    """
    own = [o.id for o in occurrences]
    for occurrence in occurrences:
        other = clashing(session, room.id, occurrence.held_from, occurrence.held_until, own)
        if other is not None:
            raise Refused(
                "overlap",
                f"{room.name} on {occurrence.day.isoformat()} is taken by “{other.title}”.",
                on=occurrence.day,
            )


def requested_bookings(
    session: Session, property_id: int, zone: str, first_id: uuid.UUID, args: dict
) -> list[tuple[uuid.UUID, dict]]:
    """The bookings a request makes, each as its id and columns, once the room fits the
    request and is free at every occurrence; raises ``Refused`` otherwise."""
    room, occurrences = plan(session, property_id, zone, first_id, args)
    ensure_free(session, room, occurrences)
    series = first_id if len(occurrences) > 1 else None
    return [
        (occurrence.id, booking_values(property_id, room, args, occurrence, series))
        for occurrence in occurrences
    ]


def booking_values(property_id: int, room: Room, args: dict, occurrence: Occurrence, series):
    """The columns of one occurrence's booking, as requested."""
    return {
        "property_id": property_id,
        "room_id": room.id,
        "state": BookingState.PENDING,
        "title": args["title"],
        "company": args["company"],
        "organiser": args["organiser"],
        "phone": args["phone"],
        "starts_at": occurrence.starts_at,
        "ends_at": occurrence.ends_at,
        "held_from": occurrence.held_from,
        "held_until": occurrence.held_until,
        "attendees": args["attendees"],
        "layout": args["layout"],
        "equipment": sorted(e.value for e in args["equipment"]),
        "tea_for": args["tea_for"],
        "notes": args["notes"],
        "series_id": series,
        "reject_reason": None,
    }
