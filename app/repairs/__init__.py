"""Repair tickets (维修单): opened by patrols and restore checks, assigned by the office,
fixed by engineering on their tablets, verified by floor staff."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import Draft, Job, Mutation, NavEntry
from app.models import Role

bp = Blueprint("repairs", __name__, url_prefix="/repairs")

#: Who may see a ticket's photos: everyone who works on or checks the property's tickets.
PHOTO_READERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ENGINEERING, Role.FLOOR_STAFF})
#: Who carries the tickets on a tablet: engineering their own, floor staff all unfinished.
TABLET_USERS = frozenset({Role.ENGINEERING, Role.FLOOR_STAFF})
#: Who reads the office's list; the office and supervisor also move tickets there.
DESK_READERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ADMIN})

from app.repairs import routes  # noqa: E402,F401
from app.repairs.demo import add_demo_tickets  # noqa: E402
from app.repairs.desk import LISTING  # noqa: E402
from app.repairs.home import HOME  # noqa: E402
from app.repairs.sync import (  # noqa: E402
    DEVICE_MOVES,
    TICKET_KIND,
    floor_staff_hold_unfinished_tickets,
    handler,
)
from app.repairs.tickets import KIND, REASON_LABELS  # noqa: E402

JOB = Job(
    "repairs",
    bp,
    nav=[
        NavEntry("repairs.tablet", _l("My repair tickets"), 30, frozenset({Role.ENGINEERING})),
        NavEntry("repairs.tablet", _l("Repair tickets"), 30, frozenset({Role.FLOOR_STAFF})),
        NavEntry("repairs.review", _l("Repair tickets"), 30, DESK_READERS),
    ],
    kinds=[TICKET_KIND],
    mutations=[
        Mutation(name, schema, roles, handler(move), label=label, summary="note")
        for name, schema, roles, move, label in DEVICE_MOVES
    ],
    scope_rules=[floor_staff_hold_unfinished_tickets],
    reason_labels=REASON_LABELS,
    photo_readers={KIND: PHOTO_READERS},
    demo=add_demo_tickets,
    desk=[LISTING],
    home=HOME,
    drafts=[Draft("repairs-", _l("Repair ticket note"), "repairs.tablet")],
)
