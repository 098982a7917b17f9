"""Repair tickets (维修单): opened by patrols and restore checks, assigned by the office,
fixed by engineering on their tablets, verified by floor staff."""

from flask import Blueprint

from app.jobs import Job
from app.models import Role

bp = Blueprint("repairs", __name__, url_prefix="/repairs")

#: Who may see a ticket's photos: everyone who works on or checks the property's tickets.
PHOTO_READERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ENGINEERING, Role.FLOOR_STAFF})

from app.repairs.sync import TICKET_KIND, floor_staff_hold_unfinished_tickets  # noqa: E402
from app.repairs.tickets import KIND, REASON_LABELS  # noqa: E402

JOB = Job(
    "repairs",
    bp,
    kinds=[TICKET_KIND],
    scope_rules=[floor_staff_hold_unfinished_tickets],
    reason_labels=REASON_LABELS,
    photo_readers={KIND: PHOTO_READERS},
)
