"""What the office desk lists of the gate: every entry, exit and release the tablets
recorded, ID numbers masked; and who is still inside."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.gate import OFFICE
from app.gate.models import CheckState, Direction, GateEvent, WorkerPass
from app.gate.rules import masked_id
from app.jobs import Column, DeskListing, Filter


def _who(event: GateEvent) -> str | None:
    if event.worker_pass is not None:
        return f"{event.worker_pass.name} · {masked_id(event.worker_pass.id_number)}"
    if event.exit_pass is not None:
        return event.exit_pass.items
    return None


def _pass_number(event: GateEvent) -> str | None:
    if event.worker_pass is not None:
        return f"{event.worker_pass.number:04d}"
    return f"X{event.exit_pass.number:04d}" if event.exit_pass is not None else None


def _unit(event: GateEvent) -> str | None:
    if event.worker_pass is not None:
        return event.worker_pass.permit.unit
    return event.exit_pass.unit if event.exit_pass is not None else None


COLUMNS = [
    Column(_l("Device time"), lambda e: e.device_time),
    Column(_l("Received"), lambda e: e.received_at),
    Column(_l("What"), lambda e: e.direction),
    Column(_l("Pass"), _pass_number),
    Column(_l("Who or what"), _who),
    Column(_l("Room unit"), _unit),
    Column(_l("Check said"), lambda e: e.shown),
    Column(_l("Override reason"), lambda e: e.override_reason),
    Column(_l("Stale list"), lambda e: _l("Yes") if e.stale else None),
    Column(_l("Guard"), lambda e: e.created_by.display_name),
    Column(_l("Device"), lambda e: e.device.name or str(e.device_id)[:8]),
]

LISTING = DeskListing(
    name="gate-log",
    title=_l("Gate log"),
    roles=OFFICE,
    query=lambda property_id: (
        select(GateEvent)
        .where(GateEvent.property_id == property_id)
        .order_by(GateEvent.device_time.desc())
        .options(
            joinedload(GateEvent.created_by),
            joinedload(GateEvent.device),
            joinedload(GateEvent.worker_pass).joinedload(WorkerPass.permit),
            joinedload(GateEvent.exit_pass),
        )
    ),
    columns=COLUMNS,
    filters=[
        Filter.of_enum("direction", _l("What"), GateEvent.direction, Direction),
        Filter.of_enum("shown", _l("Check said"), GateEvent.shown, CheckState),
    ],
    record_endpoint="gate.event",
    csv_columns=COLUMNS,
)


def still_inside(property_id: int, at: datetime) -> list[tuple[WorkerPass, GateEvent]]:
    """The workers whose last entry or exit recorded by ``at`` was an entry: their
    duplicates are still at the gate. Oldest entry first."""
    moves = (GateEvent.property_id == property_id) & GateEvent.pass_id.is_not(None)
    moves &= GateEvent.direction.in_([Direction.ENTRY, Direction.EXIT])
    moves &= GateEvent.device_time <= at
    latest = (
        select(GateEvent.pass_id, func.max(GateEvent.device_time).label("moment"))
        .where(moves)
        .group_by(GateEvent.pass_id)
        .subquery()
    )
    query = (
        select(WorkerPass, GateEvent)
        .join(latest, latest.c.pass_id == WorkerPass.id)
        .join(
            GateEvent,
            (GateEvent.pass_id == latest.c.pass_id) & (GateEvent.device_time == latest.c.moment),
        )
        .where(GateEvent.direction == Direction.ENTRY)
        .order_by(GateEvent.device_time)
        .options(joinedload(WorkerPass.permit), joinedload(GateEvent.created_by))
    )
    return [(row[0], row[1]) for row in db.session.execute(query)]
