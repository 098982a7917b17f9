"""Opening repair tickets from other jobs, and the moves that take a ticket to verified.

Other jobs open tickets inside their own mutation handlers (:func:`open_ticket`): a
patrol round's problems, a meeting room's restore check. Every later move is a
:class:`Move` from the table :data:`MOVES`, made on a tablet (through the outbox) or at
the office desk, and checked by :func:`refusal` wherever it comes from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.models import Role, User, colleagues
from app.repairs.models import RepairCategory, RepairStep, RepairTicket, TicketState
from sync.handlers import MutationContext
from sync.merge import edit_fields, record_history
from sync.tables import field_history

#: The photo readers' kind: a ticket's photos and its steps' photos.
KIND = "repair_ticket"

DESK = frozenset({Role.OFFICE, Role.SUPERVISOR})
CHECKERS = frozenset({Role.FLOOR_STAFF, *DESK})
ENGINEERS = frozenset({Role.ENGINEERING})


@dataclass(frozen=True)
class Move:
    """A way a ticket may go: from which states, to which, and who may take it there."""

    name: str
    sources: frozenset[TicketState]
    target: TicketState
    roles: frozenset[Role]
    # Only the engineer the ticket is assigned to may make it.
    by_assignee: bool = False


S = TicketState
MOVES = {
    move.name: move
    for move in (
        Move("assign", frozenset({S.OPEN, S.ASSIGNED, S.REOPENED}), S.ASSIGNED, DESK),
        Move("start", frozenset({S.ASSIGNED, S.REOPENED}), S.IN_PROGRESS, ENGINEERS, True),
        Move("fix", frozenset({S.IN_PROGRESS}), S.FIXED, ENGINEERS, True),
        Move("verify", frozenset({S.FIXED}), S.VERIFIED, CHECKERS),
        Move("reopen", frozenset({S.FIXED}), S.REOPENED, CHECKERS),
    )
}

#: Why a move is refused, as the device and the office read it.
REASON_LABELS = {
    "illegal_move": _l("The ticket cannot go there from where it is now"),
    "not_assignee": _l("The ticket is assigned to someone else"),
    "not_an_engineer": _l("Assign tickets to an engineer of this property"),
    "wrong_role": _l("Your role may not move the ticket this way"),
}
REASON_MESSAGES = {
    "illegal_move": "The ticket cannot make this move from its state.",
    "not_assignee": "Only the engineer the ticket is assigned to may do this.",
    "not_an_engineer": "Tickets are assigned to engineering users of the property.",
    "wrong_role": "This role may not make this move.",
}


def refusal(move: Move, state: TicketState, role: Role, is_assignee: bool) -> str | None:
    """The reason code ``move`` is refused for, from ``state`` by someone in ``role``
    (the ticket's assignee or not); None if it is allowed."""
    if role not in move.roles:
        return "wrong_role"
    if state not in move.sources:
        return "illegal_move"
    if move.by_assignee and not is_assignee:
        return "not_assignee"
    return None


def next_moves(state: TicketState, role: Role, is_assignee: bool) -> list[Move]:
    """The moves this person may make from ``state``, for the buttons of a page."""
    return [m for m in MOVES.values() if refusal(m, state, role, is_assignee) is None]


def open_ticket(
    context: MutationContext,
    *,
    ticket_id: uuid.UUID,
    category: RepairCategory,
    location: str,
    note: str,
    photo_ids: list,
    source: str,
    source_id: uuid.UUID,
    area_id: int | None = None,
) -> None:
    """Open a ticket at the actor's property, inside another job's mutation handler.

    ``ticket_id`` is the caller's deterministic id (a uuid5 of its record and item), so
    a retried round opens nothing new: a ticket already there is left as it is. The
    caller checks ``area_id`` belongs to the property; the photos are referenced so that
    the ticket's readers may see them.
    """
    session = context.session
    if _made_before(context, session.get(RepairTicket, ticket_id)):
        return
    property_id = context.actor.property_id
    # Pushes of one property hold its sync lock, so numbers are taken one at a time.
    number = session.scalar(
        select(func.coalesce(func.max(RepairTicket.number), 0)).where(
            RepairTicket.property_id == property_id
        )
    )
    photos = [str(photo_id) for photo_id in photo_ids]
    ticket = RepairTicket(
        id=ticket_id,
        property_id=property_id,
        number=number + 1,
        area_id=area_id,
        location=location[: RepairTicket.location.type.length],
        category=RepairCategory(category),
        state=TicketState.OPEN,
        note=note,
        photo_ids=photos,
        source=source,
        source_id=source_id,
        version=1,
        created_by_id=context.actor.user_id,
        device_id=context.actor.device_id,
        device_time=context.device_time,
        device_utc_offset=context.device_utc_offset,
        received_at=context.received_at,
    )
    session.add(ticket)
    _add_step(
        context, ticket, None, TicketState.OPEN, uuid.uuid5(ticket_id, "opened"), note, photos
    )
    record_history(context, KIND, ticket_id, {"state": TicketState.OPEN, "assigned_to_id": None}, 1)
    context.reference_attachments(KIND, ticket_id, [uuid.UUID(p) for p in photos])


def _made_before(context: MutationContext, record) -> bool:
    """Whether a record under the id sent is there already: a resend, which changes
    nothing. An id of another property's record is refused without a word of it."""
    if record is None:
        return False
    if record.property_id != context.actor.property_id:
        context.reject("id_taken", "This id is taken; the device must make a new one.")
    return True


def _add_step(
    context, ticket, from_state, to_state, step_id, note, photo_ids, assigned_to_id=None
) -> None:
    session = context.session
    ticket.steps.append(
        RepairStep(
            id=step_id,
            property_id=ticket.property_id,
            from_state=from_state,
            to_state=to_state,
            # Set as objects: the tablets' copy names both people as the step is logged.
            assigned_to=None if assigned_to_id is None else session.get(User, assigned_to_id),
            note=note,
            photo_ids=photo_ids,
            created_by=session.get(User, context.actor.user_id),
            device_id=context.actor.device_id,
            device_time=context.device_time,
            device_utc_offset=context.device_utc_offset,
            received_at=context.received_at,
        )
    )


def _is_engineer_here(context: MutationContext, user_id: int | None) -> bool:
    """Whether tickets may be assigned to this user: an active engineer of the property."""
    if user_id is None:
        return False
    engineers = colleagues(context.actor.property_id, Role.ENGINEERING)
    return context.session.scalar(engineers.where(User.id == user_id)) is not None


def _value_at(context: MutationContext, ticket: RepairTicket, name: str, version: int):
    """The value a ticket's field had at ``version``, as its field history kept it; the
    value now for a version the history does not know (none before the first)."""
    if version >= ticket.version:
        return getattr(ticket, name)
    kept = context.session.execute(
        select(field_history.c.value)
        .where(
            (field_history.c.kind == KIND)
            & (field_history.c.record_id == str(ticket.id))
            & (field_history.c.field == name)
            & (field_history.c.version <= version)
        )
        .order_by(field_history.c.version.desc())
        .limit(1)
    ).first()
    return getattr(ticket, name) if kept is None else kept.value


def move_ticket(
    context: MutationContext,
    move: Move,
    *,
    ticket_id: uuid.UUID,
    step_id: uuid.UUID,
    base_version: int,
    note: str = "",
    photo_ids: list | None = None,
    assign_to: int | None = None,
) -> None:
    """Make ``move`` of a ticket of the actor's property, as its sender saw it at
    ``base_version``.

    The move must be allowed from the ticket's state now, or from the state its sender
    saw: someone else moved the ticket meanwhile (both offline, say). Then the later
    move is applied too, field by field, and the office is told (``concurrent_edit``).
    A step already made (a resend) changes nothing.
    """
    session = context.session
    if _made_before(context, session.get(RepairStep, step_id)):
        return
    ticket = session.get(RepairTicket, ticket_id)
    if ticket is None or ticket.property_id != context.actor.property_id:
        context.reject("not_found", "No such ticket at this property.")
    role = Role(context.actor.role)
    user_id = context.actor.user_id
    seen = (
        TicketState(_value_at(context, ticket, "state", base_version)),
        _value_at(context, ticket, "assigned_to_id", base_version),
    )
    now = (ticket.state, ticket.assigned_to_id)
    reasons = [refusal(move, state, role, assignee == user_id) for state, assignee in (now, seen)]
    if None not in reasons:
        reason = reasons[0]
        context.reject(reason, REASON_MESSAGES[reason])
    values: dict = {"state": move.target}
    if move.name == "assign":
        if not _is_engineer_here(context, assign_to):
            context.reject("not_an_engineer", REASON_MESSAGES["not_an_engineer"])
        values["assigned_to_id"] = assign_to
    photos = [str(photo_id) for photo_id in photo_ids or []]
    assigned = values.get("assigned_to_id")
    _add_step(context, ticket, ticket.state, move.target, step_id, note, photos, assigned)
    # The ticket and its step are written together at the next flush: the tablets'
    # copy of the ticket is then made once, with the step in it.
    with session.no_autoflush:
        edit_fields(context, ticket, base_version, values)
    context.reference_attachments(KIND, ticket.id, [uuid.UUID(p) for p in photos])
