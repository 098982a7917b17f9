"""What the office desk lists of the repair tickets."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.jobs import Column, DeskListing, Filter
from app.models import Role, area_choices, user_choices
from app.repairs import DESK_READERS
from app.repairs.models import SOURCE_LABELS, RepairCategory, RepairTicket, TicketState

#: Everything known of a ticket, by name: its page and the CSV export show them all.
COLUMN = {
    "ticket": Column(_l("Ticket"), lambda t: f"#{t.number}"),
    "state": Column(_l("State"), lambda t: t.state),
    "category": Column(_l("Category"), lambda t: t.category),
    "area": Column(_l("Area"), lambda t: t.area.name if t.area else None),
    "location": Column(_l("Location"), lambda t: t.location),
    "note": Column(_l("What is wrong"), lambda t: t.note),
    "assignee": Column(
        _l("Assigned to"), lambda t: t.assigned_to.display_name if t.assigned_to else None
    ),
    "opened_by": Column(_l("Opened by"), lambda t: t.created_by.display_name),
    "source": Column(_l("Opened from"), lambda t: SOURCE_LABELS.get(t.source, t.source)),
    "device_time": Column(_l("Device time"), lambda t: t.device_time),
    "received": Column(_l("Received"), lambda t: t.received_at),
    "photos": Column(_l("Photos"), lambda t: t.photo_ids, photos=True),
}
COLUMNS = list(COLUMN.values())
# What the office scans a page of tickets by; a time is the dearest cell to show.
LISTED = ["ticket", "state", "category", "area", "note", "assignee", "received", "photos"]

LISTING = DeskListing(
    name="repair-tickets",
    title=_l("Repair tickets"),
    roles=DESK_READERS,
    query=lambda property_id: (
        select(RepairTicket)
        .where(RepairTicket.property_id == property_id)
        .order_by(RepairTicket.number.desc())
        .options(
            joinedload(RepairTicket.created_by),
            joinedload(RepairTicket.area),
            joinedload(RepairTicket.assigned_to),
        )
    ),
    columns=[COLUMN[name] for name in LISTED],
    filters=[
        Filter.of_enum("state", _l("State"), RepairTicket.state, TicketState),
        Filter.of_enum("category", _l("Category"), RepairTicket.category, RepairCategory),
        Filter.of_id("area", _l("Area"), RepairTicket.area_id, area_choices),
        Filter.of_id(
            "assignee",
            _l("Assigned to"),
            RepairTicket.assigned_to_id,
            user_choices(Role.ENGINEERING),
        ),
    ],
    record_endpoint="repairs.ticket",
    csv_columns=COLUMNS,
)
