"""What the office desk lists of patrols: the rounds, by area, person, dates, problems."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.jobs import Column, DeskListing, Filter
from app.models import Property, Role, area_choices, user_choices
from app.patrols import READERS
from app.patrols.models import PatrolRound

#: How far back the date filters offer days.
DAYS_OFFERED = 62


def _days(property_id: int) -> list[tuple[str, str]]:
    today = datetime.now(ZoneInfo(db.session.get(Property, property_id).timezone)).date()
    days = (today - timedelta(days=n) for n in range(DAYS_OFFERED))
    return [(day.isoformat(), day.isoformat()) for day in days]


def _midnight(value: str, days_after: int = 0) -> datetime:
    """The start of a local day at the property of the page (the filter's value)."""
    day = datetime.fromisoformat(value).date() + timedelta(days=days_after)
    return datetime.combine(day, time(), ZoneInfo(g.property.timezone))


def _yes(value: bool) -> str:
    # Translated once a request: a list asks for it on every row.
    if "patrols_yes_no" not in g:
        g.patrols_yes_no = (str(_l("Yes")), str(_l("No")))
    yes, no = g.patrols_yes_no
    return yes if value else no


#: The office's list: the few columns that tell rounds apart (a page has 200 rows).
COLUMNS = [
    Column(_l("Started"), lambda r: r.started_at),
    Column(_l("Area"), lambda r: r.area.name),
    Column(_l("By"), lambda r: r.by_name),
    Column(_l("Problems"), lambda r: r.problems),
    Column(_l("Checkpoint scanned"), lambda r: _yes(r.scanned)),
]
#: A round's page and its CSV line say everything.
DETAILS = [
    Column(_l("Checklist version"), lambda r: r.template_version),
    Column(_l("Device"), lambda r: r.device_id),
    Column(_l("Received"), lambda r: r.received_at),
]

LISTING = DeskListing(
    name="patrol-rounds",
    title=_l("Patrol rounds"),
    roles=READERS,
    query=lambda property_id: (
        select(PatrolRound)
        .where(PatrolRound.property_id == property_id)
        .order_by(PatrolRound.started_at.desc())
        # The areas in a query of their own: joined, PostgreSQL would join every round
        # before it takes the page's 200.
        .options(selectinload(PatrolRound.area))
    ),
    columns=COLUMNS,
    filters=[
        Filter.of_id("area", _l("Area"), PatrolRound.area_id, area_choices),
        Filter.of_id("person", _l("By"), PatrolRound.created_by_id, user_choices(Role.FLOOR_STAFF)),
        Filter(
            "from",
            _l("From"),
            _days,
            lambda query, value: query.where(PatrolRound.started_at >= _midnight(value)),
        ),
        Filter(
            "to",
            _l("To"),
            _days,
            lambda query, value: query.where(PatrolRound.started_at < _midnight(value, 1)),
        ),
        Filter(
            "problems",
            _l("Problems"),
            lambda property_id: [("yes", str(_l("With problems")))],
            lambda query, value: query.where(PatrolRound.problems > 0),
        ),
    ],
    record_endpoint="patrols.round",
    csv_columns=[*COLUMNS, *DETAILS],
)
