"""What the gate adds to the home pages: the guard's list age, workers on site and
duplicates held, from the tablet's copy (static/src/jobs/gate-home.js); the flags the
office has still to look at, on the desk."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.gate import GUARDS, OFFICE
from app.gate.models import DEFAULT_STALE_HOURS
from app.gate.routes import GATE_FLAGS
from app.jobs import HomeFigure, HomeSection
from sync.tables import flag


def open_flags(property_id: int) -> int:
    return db.session.scalar(
        select(func.count(flag.c.id)).where(
            (flag.c.partition_id == property_id)
            & flag.c.reason.in_(GATE_FLAGS)
            & flag.c.resolved_at.is_(None)
        )
    )


HOME = [
    HomeSection(
        _l("Gate"),
        GUARDS,
        10,
        [
            HomeFigure(
                "gate.list_age",
                _l("Pass list updated"),
                "gate.check",
                device="gate.list_age",
                params={"stale_hours": DEFAULT_STALE_HOURS},
                labels={
                    "never": _l("Pass list not loaded yet: sync once online."),
                    "minutesAgo": _l("%(n)s min ago", n="{n}"),
                    "hoursAgo": _l("%(n)s h ago", n="{n}"),
                    "daysAgo": _l("%(n)s days ago", n="{n}"),
                    "stale": _l(
                        "More than %(hours)s hours old: revocations may be missing.",
                        hours="{hours}",
                    ),
                },
            ),
            HomeFigure(
                "gate.on_site",
                _l("Workers on site now"),
                "gate.check",
                anchor="held-list",
                device="gate.on_site",
                labels={"workers": _l("%(count)s workers", count="{n}")},
            ),
            HomeFigure(
                "gate.held",
                _l("Duplicates held at the gate"),
                "gate.check",
                anchor="held-list",
                device="gate.held",
                labels={"earlier": _l("held since an earlier day")},
            ),
        ],
    ),
    HomeSection(
        _l("Gate"),
        OFFICE,
        30,
        [
            HomeFigure(
                "gate.flags",
                _l("Gate flags to look at"),
                "gate.flags",
                count=open_flags,
            )
        ],
    ),
]
