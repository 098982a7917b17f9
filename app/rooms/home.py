"""What meeting rooms add to the home pages: the floor tablet's next tasks, worked out on
the device (static/src/jobs/rooms-home.js); the requests waiting for approval on the desk."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import Draft, HomeFigure, HomeSection
from app.models import Role
from app.rooms import FLOOR
from app.rooms.models import Booking, BookingState, TaskKind


def waiting_for_approval(property_id: int) -> int:
    """Bookings not yet decided, as the supervisor's queue lists them."""
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            Booking.property_id == property_id, Booking.state == BookingState.PENDING
        )
    )


HOME = [
    HomeSection(
        _l("Meeting rooms"),
        FLOOR,
        20,
        [
            HomeFigure(
                "rooms.tasks",
                _l("Room tasks still to do today"),
                "rooms.today",
                device="rooms.tasks",
                labels={"tasks": TaskKind, "overdue": _l("overdue")},
            )
        ],
    ),
    HomeSection(
        _l("Meeting rooms"),
        frozenset({Role.OFFICE, Role.SUPERVISOR}),
        10,
        [
            HomeFigure(
                "rooms.approvals",
                _l("Requests waiting for approval"),
                "rooms.queue",
                count=waiting_for_approval,
                roles=frozenset({Role.SUPERVISOR}),
            ),
            HomeFigure(
                "rooms.approvals",
                _l("Requests waiting for approval"),
                "rooms.review",
                args={"state": BookingState.PENDING.value},
                count=waiting_for_approval,
                roles=frozenset({Role.OFFICE}),
            ),
        ],
    ),
]

DRAFTS = [
    Draft("room-request", _l("Meeting-room request"), "rooms.today"),
    Draft("restore-check", _l("Restore check"), "rooms.today"),
]
