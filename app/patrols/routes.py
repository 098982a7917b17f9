"""Patrols on the tablet (one page: the due list and the checklist); the office's rounds."""

import uuid

from flask import abort, g
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import fields as shared
from app.access import roles_allowed
from app.attachments import arrived
from app.desk import render_listing
from app.extensions import db
from app.patrols import PATROLLERS, READERS, bp
from app.patrols.desk import COLUMNS, DETAILS, LISTING
from app.patrols.models import ChecklistTemplate, PatrolResult, PatrolRound
from app.patrols.schedule import GRACE
from app.rendering import render_page
from app.repairs.models import RepairTicket, TicketState


@bp.route("/")
@roles_allowed(*PATROLLERS)
def tablet():
    """The areas by what is due and the checklist of one, both from the device's data:
    the page opens and works offline (the checklist is this page's #area-<id>)."""
    return render_page(
        "patrols/tablet.html",
        "content",
        zone=g.property.timezone,
        grace_minutes=int(GRACE.total_seconds() // 60),
        max_photos=shared.MAX_PHOTOS,
        max_text=shared.MAX_TEXT,
        ticket_states={state.value: state.label for state in TicketState},
    )


@bp.route("/rounds")
@roles_allowed(*READERS)
def review():
    return render_listing(LISTING)


@bp.route("/rounds/<uuid:record_id>")
@roles_allowed(*READERS)
def round(record_id: uuid.UUID):
    """One round with everything known of it: every item, reading, note and photo, the
    device and its times, the time received and whether the checkpoint was scanned."""
    record = db.session.get(PatrolRound, record_id)
    if record is None or record.property_id != g.property.id:
        abort(404)
    results = db.session.scalars(
        select(PatrolResult)
        .where(PatrolResult.round_id == record.id)
        .order_by(PatrolResult.position)
        .options(joinedload(PatrolResult.item))
    ).all()
    current = db.session.scalar(
        select(ChecklistTemplate.version).where(
            ChecklistTemplate.property_id == record.property_id,
            ChecklistTemplate.area_kind == record.area.kind,
            ChecklistTemplate.current,
        )
    )
    ticket_ids = [result.ticket_id for result in results if result.ticket_id]
    tickets = {
        ticket.id: ticket
        for ticket in db.session.scalars(
            select(RepairTicket).where(RepairTicket.id.in_(ticket_ids))
        )
    }
    return render_page(
        "patrols/round.html",
        "content",
        record=record,
        results=results,
        columns=[*COLUMNS, *DETAILS],
        current_version=current,
        tickets=tickets,
        arrived=arrived([p for result in results for p in result.photo_ids]),
    )
