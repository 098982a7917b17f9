"""The duty log (值班日志): entries that floor staff and guards write, online or offline."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import Draft, Job, Mutation, NavEntry
from app.models import Role

bp = Blueprint("duty", __name__, url_prefix="/duty")

WRITERS = frozenset({Role.FLOOR_STAFF, Role.GUARD})
READERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ADMIN})

from app.duty import routes  # noqa: E402,F401
from app.duty.demo import add_demo_entries  # noqa: E402
from app.duty.desk import LISTING  # noqa: E402
from app.duty.sync import ENTRY_KIND, EntryArgs, create_entry  # noqa: E402

JOB = Job(
    "duty",
    bp,
    nav=[
        NavEntry("duty.write", _l("Duty log"), 10, WRITERS),
        NavEntry("duty.review", _l("Duty log"), 10, READERS),
    ],
    kinds=[ENTRY_KIND],
    mutations=[
        Mutation(
            "duty.create_entry@1",
            EntryArgs,
            WRITERS,
            create_entry,
            label=_l("Duty log"),
            summary="text",
        )
    ],
    reason_labels={"wrong_property": _l("Area of another property")},
    photo_readers={"duty_entry": READERS},
    demo=add_demo_entries,
    desk=[LISTING],
    drafts=[Draft("duty-entry", _l("Duty log entry"), "duty.write")],
)
