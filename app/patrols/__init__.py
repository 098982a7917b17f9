"""Floor patrols (楼层巡视): checklists walked on the tablet with no network, readings
against the area's standards, checkpoint stickers as proof of presence, and the office's
review of every round."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import Job, Mutation, NavEntry
from app.models import Role

bp = Blueprint("patrols", __name__, url_prefix="/patrols")

PATROLLERS = frozenset({Role.FLOOR_STAFF})
READERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ADMIN})
EDITORS = frozenset({Role.SUPERVISOR, Role.ADMIN})

from app.patrols import editors, routes  # noqa: E402,F401
from app.patrols.demo import add_demo_patrols  # noqa: E402
from app.patrols.desk import LISTING  # noqa: E402
from app.patrols.home import DRAFTS, HOME  # noqa: E402
from app.patrols.sync import KINDS, RoundArgs, submit_round  # noqa: E402

JOB = Job(
    "patrols",
    bp,
    nav=[
        NavEntry("patrols.tablet", _l("Patrols"), 5, PATROLLERS),
        NavEntry("patrols.review", _l("Patrols"), 20, READERS),
        NavEntry("patrols.punctuality", _l("Patrol punctuality"), 21, READERS),
        NavEntry("patrols.checklists", _l("Checklists"), 85, EDITORS),
    ],
    kinds=KINDS,
    mutations=[
        Mutation(
            "patrols.submit_round@1",
            RoundArgs,
            PATROLLERS,
            submit_round,
            label=_l("Patrol round"),
            from_form=False,
        )
    ],
    reason_labels={
        "wrong_template": _l("Checklist of another area"),
        "incomplete": _l("Checklist not complete"),
        "missing_reading": _l("Reading missing"),
        "photo_required": _l("Photo required"),
    },
    photo_readers={"patrol_round": READERS},
    demo=add_demo_patrols,
    desk=[LISTING],
    home=HOME,
    drafts=DRAFTS,
)
