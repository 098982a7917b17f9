"""Patrols on the tablet (one page: the due list and the checklist); the office's rounds."""

import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, g, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import fields as shared
from app.access import roles_allowed
from app.attachments import arrived
from app.desk import render_listing
from app.extensions import db
from app.models import Area, Floor, areas_at
from app.patrols import PATROLLERS, READERS, bp
from app.patrols.desk import COLUMNS, DAYS_OFFERED, DETAILS, LISTING
from app.patrols.models import ChecklistTemplate, PatrolResult, PatrolRound, PatrolSchedule
from app.patrols.places import place_namer
from app.patrols.schedule import GRACE, Outcome, Schedule, outcomes
from app.places import CHECKPOINT_PREFIX
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
        ticket_states=TicketState.labels(),
        checkpoint_prefix=CHECKPOINT_PREFIX,
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
        place=place_namer(g.property.id),
        arrived=arrived([p for result in results for p in result.photo_ids]),
    )


@bp.route("/punctuality")
@roles_allowed(*READERS)
def punctuality():
    """Each area's slots of a local day: on time, late, missed or still to come, judged by
    the schedule in effect at each slot, in the property's time zone."""
    zone = ZoneInfo(g.property.timezone)
    today = datetime.now(zone).date()
    days = [today - timedelta(days=n) for n in range(DAYS_OFFERED)]
    chosen = request.args.get("day", "")
    day = next((d for d in days if d.isoformat() == chosen), today)
    since = datetime.combine(day, time(), zone).astimezone(UTC)
    until = since + timedelta(days=1)
    histories: dict[int, list[Schedule]] = defaultdict(list)
    for row in db.session.scalars(
        select(PatrolSchedule).where(PatrolSchedule.property_id == g.property.id)
    ):
        histories[row.area_id].append(
            Schedule(row.every_minutes, row.starts, row.ends, row.effective_from)
        )
    # A slot of the day may be covered by a round begun up to a day after it starts.
    started: dict[int, list[datetime]] = defaultdict(list)
    for area_id, moment in db.session.execute(
        select(PatrolRound.area_id, PatrolRound.started_at).where(
            PatrolRound.property_id == g.property.id,
            PatrolRound.started_at >= since,
            PatrolRound.started_at < until + timedelta(days=1),
        )
    ):
        started[area_id].append(moment)
    now = datetime.now(UTC)
    rows = []
    for area in db.session.scalars(areas_at(g.property.id).order_by(Floor.level, Area.name)):
        if area.id not in histories:
            continue
        found = outcomes(histories[area.id], started[area.id], since, until, now, zone.key)
        counts = Counter(outcome for _slot, outcome, _done in found)
        missed = [slot.starts for slot, outcome, _done in found if outcome is Outcome.MISSED]
        rows.append((area, counts, missed))
    return render_page(
        "patrols/punctuality.html",
        "content",
        rows=rows,
        days=days,
        day=day,
        Outcome=Outcome,
        place=place_namer(g.property.id),
    )
