"""What patrols add to the home pages: the areas due on the floor tablet, worked out on
the device (static/src/jobs/patrols-home.js); the rounds missed today on the desk."""

from collections import defaultdict
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.jobs import Draft, HomeFigure, HomeSection
from app.models import Property, Role, utcnow
from app.patrols import PATROLLERS
from app.patrols.models import PatrolRound, PatrolSchedule
from app.patrols.schedule import GRACE, Outcome, Schedule, outcomes


def rounds_missed_today(property_id: int) -> int:
    """The slots of the property's local day so far that ended with no round."""
    zone = ZoneInfo(db.session.get(Property, property_id).timezone)
    now = utcnow()
    since = datetime.combine(now.astimezone(zone).date(), time(), zone).astimezone(UTC)
    schedules: dict[int, list[Schedule]] = defaultdict(list)
    for row in db.session.scalars(
        select(PatrolSchedule).where(PatrolSchedule.property_id == property_id)
    ):
        schedules[row.area_id].append(
            Schedule(row.every_minutes, row.starts, row.ends, row.effective_from)
        )
    started: dict[int, list[datetime]] = defaultdict(list)
    for area_id, moment in db.session.execute(
        select(PatrolRound.area_id, PatrolRound.started_at).where(
            PatrolRound.property_id == property_id, PatrolRound.started_at >= since
        )
    ):
        started[area_id].append(moment)
    return sum(
        outcome is Outcome.MISSED
        for area_id, history in schedules.items()
        for _slot, outcome, _done in outcomes(history, started[area_id], since, now, now, zone.key)
    )


def _areas(state: str, label) -> HomeFigure:
    """The areas in ``state`` now, as the tablet works it out (static/src/home-figures.js)."""
    return HomeFigure(
        f"patrols.{state}",
        label,
        "patrols.tablet",
        device=f"patrols.{state}",
        labels={"overdue": _l("Overdue %(minutes)s min", minutes="{n}")},
        params={"grace": int(GRACE.total_seconds() // 60)},
    )


HOME = [
    HomeSection(
        _l("Patrols"),
        PATROLLERS,
        10,
        [_areas("overdue", _l("Areas overdue")), _areas("due", _l("Areas due now"))],
    ),
    HomeSection(
        _l("Patrols"),
        frozenset({Role.OFFICE, Role.SUPERVISOR}),
        50,
        [
            HomeFigure(
                "patrols.missed",
                _l("Rounds missed today"),
                "patrols.punctuality",
                count=rounds_missed_today,
            )
        ],
    ),
]

DRAFTS = [Draft("patrol-round:", _l("Patrol round not submitted"), "patrols.tablet")]
