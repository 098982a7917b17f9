"""What the office desk lists of the duty log."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.duty import READERS
from app.duty.models import Category, DutyEntry
from app.jobs import Column, DeskListing, Filter
from app.models import area_choices

COLUMNS = [
    Column(_l("Received"), lambda e: e.received_at),
    Column(_l("Device time"), lambda e: e.device_time),
    Column(_l("By"), lambda e: e.created_by.display_name),
    Column(_l("Device"), lambda e: str(e.device_id)[:8]),
    Column(_l("Category"), lambda e: e.category),
    Column(_l("Area"), lambda e: e.area.name if e.area else None),
    Column(_l("What happened"), lambda e: e.text),
    Column(_l("Photos"), lambda e: e.photo_ids, photos=True),
]

LISTING = DeskListing(
    name="duty-log",
    title=_l("Duty log"),
    roles=READERS,
    query=lambda property_id: (
        select(DutyEntry)
        .where(DutyEntry.property_id == property_id)
        .order_by(DutyEntry.received_at.desc())
        # The columns show who and where: loaded with the entries, not a query a row.
        .options(joinedload(DutyEntry.created_by), joinedload(DutyEntry.area))
    ),
    columns=COLUMNS,
    filters=[
        Filter.of_enum("category", _l("Category"), DutyEntry.category, Category),
        Filter.of_id("area", _l("Area"), DutyEntry.area_id, area_choices),
    ],
    record_endpoint="duty.entry",
    csv_columns=[*COLUMNS[:3], Column(_l("Device"), lambda e: e.device_id), *COLUMNS[4:]],
)
