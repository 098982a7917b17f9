"""Meeting rooms (会议室): requests made on a tablet or a desktop, the supervisor's approval,
the setup tasks and restore check ticked on the tablet, and never a double booking, even
when both requests were made offline."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import Job, Mutation, NavEntry
from app.models import Role

bp = Blueprint("rooms", __name__, url_prefix="/rooms")

FLOOR = frozenset({Role.FLOOR_STAFF})
DESK = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ADMIN})
APPROVERS = frozenset({Role.SUPERVISOR})
ROOM_KEEPERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ADMIN})

from app.rooms import routes  # noqa: E402,F401
from app.rooms.demo import add_demo_rooms  # noqa: E402
from app.rooms.desk import LISTING  # noqa: E402
from app.rooms.home import DRAFTS, HOME  # noqa: E402
from app.rooms.sync import (  # noqa: E402
    KINDS,
    NoShowArgs,
    RequestArgs,
    RestoreArgs,
    TickArgs,
    floor_staff_hold_the_rooms,
    mark_no_show,
    record_restore_check,
    request_booking,
    tick_task,
)

JOB = Job(
    "rooms",
    bp,
    nav=[
        NavEntry("rooms.today", _l("Meeting rooms"), 20, FLOOR),
        NavEntry("rooms.grid", _l("Meeting rooms"), 20, DESK),
        NavEntry("rooms.queue", _l("Approvals"), 21, APPROVERS),
    ],
    kinds=KINDS,
    mutations=[
        Mutation(
            "rooms.request@1",
            RequestArgs,
            FLOOR,
            request_booking,
            label=_l("Meeting-room request"),
            summary="title",
        ),
        Mutation(
            "rooms.tick@1", TickArgs, FLOOR, tick_task, label=_l("Room task"), from_form=False
        ),
        Mutation(
            "rooms.restore@1",
            RestoreArgs,
            FLOOR,
            record_restore_check,
            label=_l("Restore check"),
            summary="note",
        ),
        Mutation(
            "rooms.no_show@1",
            NoShowArgs,
            FLOOR,
            mark_no_show,
            label=_l("No-show"),
            from_form=False,
        ),
    ],
    scope_rules=[floor_staff_hold_the_rooms],
    reason_labels={
        "overlap": _l("The room is taken at that time"),
        "outside_hours": _l("Outside the room's opening hours"),
        "over_capacity": _l("More attendees than the room seats"),
        "layout_not_offered": _l("The room cannot take this layout"),
        "equipment_missing": _l("The room lacks the equipment asked for"),
        "bad_times": _l("The meeting ends before it starts"),
        "bad_repeat": _l("A repeating request needs an end date after its first day"),
        "too_many": _l("Too many occurrences in one request"),
        "unknown_room": _l("No such room at this property"),
        "unknown_task": _l("No such task at this property"),
        "restore_needs_check": _l("The restore check is recorded with its findings"),
        "note_needed": _l("A problem needs a note"),
        "unknown_booking": _l("No such booking at this property"),
        "not_held": _l("The booking no longer holds the room"),
        "too_early": _l("A no-show is marked 15 minutes after the start"),
        "booking_not_active": _l("The booking was cancelled or no longer stands"),
        "meeting_not_begun": _l("The meeting has not begun: no restore check yet"),
    },
    photo_readers={"room_tick": DESK},
    demo=add_demo_rooms,
    desk=[LISTING],
    home=HOME,
    drafts=DRAFTS,
)
