"""Repair tickets on the tablets of engineering and floor staff, and at the office desk."""

import json
import uuid

from flask import abort, g, redirect, request, url_for
from marshmallow import Schema
from sqlalchemy import insert, select
from sqlalchemy.orm import joinedload, selectinload

from app.access import roles_allowed
from app.attachments import arrived
from app.desk import render_listing
from app.extensions import db
from app.forms import validate_form
from app.jobs import reason_labels
from app.models import Role, User, area_choices, colleagues, utcnow
from app.rendering import render_page
from app.repairs import DESK_READERS, TABLET_USERS, bp
from app.repairs.desk import COLUMNS, LISTING
from app.repairs.models import RepairCategory, RepairStep, RepairTicket, TicketState
from app.repairs.sync import DESK_MOVES, DEVICE_MOVES
from app.repairs.tickets import DESK, MOVES, move_ticket, next_moves
from app.syncapi import current_registry
from sync.errors import Rejected
from sync.handlers import MutationContext
from sync.registry import Actor
from sync.tables import flag


def _labels(enum_type) -> str:
    return json.dumps(enum_type.labels(), ensure_ascii=False)


@bp.route("/")
@roles_allowed(*TABLET_USERS)
def tablet():
    """The tickets this tablet holds by state, one ticket's history, and its next steps:
    all drawn on the device from what it holds, so the page works offline."""
    return render_page(
        "repairs/tablet.html",
        "content",
        moves=[
            (name, MOVES[move], label)
            for name, _schema, roles, move, label in DEVICE_MOVES
            if g.user.role in roles
        ],
        targets={name: MOVES[move].target.value for name, _s, _r, move, _l in DEVICE_MOVES},
        states=_labels(TicketState),
        categories=_labels(RepairCategory),
        areas=json.dumps(dict(area_choices(g.property.id)), ensure_ascii=False),
    )


@bp.route("/steps/<uuid:step_id>")
@roles_allowed(*TABLET_USERS)
def step_saved(step_id: uuid.UUID):
    """The confirmation of a step the server holds: the fragment a save swaps in."""
    step = db.session.get(RepairStep, step_id)
    if step is None or step.created_by_id != g.user.id:
        abort(404)
    return render_page("repairs/tablet.html", "saved", step=step)


@bp.route("/desk")
@roles_allowed(*DESK_READERS)
def review():
    return render_listing(LISTING)


def _ticket_of_property(record_id: uuid.UUID) -> RepairTicket:
    ticket = db.session.scalar(
        select(RepairTicket)
        .where((RepairTicket.id == record_id) & (RepairTicket.property_id == g.property.id))
        .options(
            joinedload(RepairTicket.created_by),
            joinedload(RepairTicket.area),
            selectinload(RepairTicket.steps).options(
                joinedload(RepairStep.created_by), joinedload(RepairStep.assigned_to)
            ),
        )
    )
    if ticket is None:
        abort(404)
    return ticket


def _engineers() -> list[User]:
    return db.session.scalars(
        colleagues(g.property.id, Role.ENGINEERING).order_by(User.display_name)
    ).all()


def _render_ticket(ticket: RepairTicket, status=200, errors=None, refused=None, move=None):
    steps = ticket.steps
    photo_ids = [*ticket.photo_ids, *(p for step in steps for p in step.photo_ids)]
    return render_page(
        "repairs/ticket.html",
        "content",
        status,
        ticket=ticket,
        steps=steps,
        columns=COLUMNS,
        arrived=arrived(photo_ids),
        moves=next_moves(ticket.state, g.user.role, False) if g.user.role in DESK else [],
        engineers=_engineers(),
        errors=errors or {},
        refused=refused,
        failed_move=move,
        form=request.form if errors or refused else {},
    )


@bp.route("/desk/<uuid:record_id>")
@roles_allowed(*DESK_READERS)
def ticket(record_id: uuid.UUID):
    """A ticket with every step: who, when on the device, when received, notes, photos;
    and for the office and supervisor the forms of its next moves."""
    return _render_ticket(_ticket_of_property(record_id))


def desk_context() -> MutationContext:
    """A move made at the desk, handled as a device's would be: the desk is the device."""
    now = utcnow()
    return MutationContext(
        session=db.session,
        registry=current_registry(),
        actor=Actor(
            device_id=g.device.id if g.device else None,
            user_id=g.user.id,
            role=g.user.role.value,
            property_id=g.property.id,
        ),
        client_id=None,
        mutation_id=None,
        device_time=now,
        received_at=now,
        device_utc_offset=0,
    )


@bp.route("/desk/<uuid:record_id>/<move>", methods=["POST"])
@roles_allowed(*DESK)
def move(record_id: uuid.UUID, move: str):
    """Assign a ticket to an engineer, verify its repair or reopen it, from the desk."""
    ticket = _ticket_of_property(record_id)
    schema: Schema | None = DESK_MOVES.get(move)
    if schema is None:
        abort(404)
    args, errors = validate_form(schema)
    if errors:
        db.session.rollback()
        return _render_ticket(ticket, 422, errors=errors, move=move)
    context = desk_context()
    try:
        move_ticket(
            context,
            MOVES[move],
            ticket_id=ticket.id,
            step_id=uuid.uuid4(),
            base_version=args["base_version"],
            note=args["note"],
            assign_to=args.get("assigned_to_id"),
        )
    except Rejected as refusal:
        db.session.rollback()
        label = reason_labels().get(refusal.reason, refusal.reason)
        return _render_ticket(_ticket_of_property(record_id), 409, refused=label, move=move)
    if context.flags:
        db.session.execute(insert(flag), context.flags)
    db.session.commit()
    return redirect(url_for("repairs.ticket", record_id=ticket.id), 303)
