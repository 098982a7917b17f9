"""What the office desk lists of meeting rooms: every booking, filtered, and as CSV."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.jobs import Column, DeskListing, Filter
from app.rooms import DESK
from app.rooms.models import Booking, BookingState, Room


def rooms_of(property_id: int) -> list[Room]:
    return db.session.scalars(
        select(Room)
        .where(Room.property_id == property_id)
        .order_by(Room.name)
        .options(joinedload(Room.floor))
    ).all()


COLUMNS = [
    Column(_l("Starts"), lambda b: b.starts_at),
    Column(_l("Ends"), lambda b: b.ends_at),
    Column(_l("Room"), lambda b: b.room.name),
    Column(_l("State"), lambda b: b.state),
    Column(_l("Meeting"), lambda b: b.title),
    Column(_l("Company"), lambda b: b.company),
    Column(_l("Organiser"), lambda b: b.organiser),
    Column(_l("Attendees"), lambda b: b.attendees),
    Column(_l("Requested by"), lambda b: b.created_by.display_name),
]

LISTING = DeskListing(
    name="room-bookings",
    title=_l("Meeting-room bookings"),
    roles=DESK,
    query=lambda property_id: (
        select(Booking)
        .where(Booking.property_id == property_id)
        .order_by(Booking.starts_at.desc())
        .options(joinedload(Booking.room), joinedload(Booking.created_by))
    ),
    columns=COLUMNS,
    filters=[
        Filter.of_enum("state", _l("State"), Booking.state, BookingState),
        Filter.of_id(
            "room",
            _l("Room"),
            Booking.room_id,
            lambda property_id: [(str(r.id), r.name) for r in rooms_of(property_id)],
        ),
    ],
    record_endpoint="rooms.booking",
    csv_columns=[
        *COLUMNS,
        Column(_l("Phone"), lambda b: b.phone),
        Column(_l("Layout"), lambda b: b.layout),
        Column(_l("Tea for"), lambda b: b.tea_for),
        Column(_l("Received"), lambda b: b.received_at),
    ],
)
