"""Repair tickets on the devices: the copies tablets hold, and the moves they send."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields

from app import fields as shared
from app.models import Role, device_time_as_reported
from app.repairs.models import UNFINISHED, RepairTicket
from app.repairs.tickets import CHECKERS, ENGINEERS, KIND, MOVES, move_ticket
from sync.handlers import MutationContext
from sync.registry import Actor, RecordKind

#: Floor staff's tablets hold the property's unfinished tickets under this tag.
UNFINISHED_TAG = "repairs"


def _step(step) -> dict:
    return {
        "id": str(step.id),
        "from_state": step.from_state.value if step.from_state else None,
        "to_state": step.to_state.value,
        "by": step.created_by.display_name,
        "assigned_to": step.assigned_to.display_name if step.assigned_to else None,
        "note": step.note,
        "photo_ids": list(step.photo_ids or []),
        "device_time": device_time_as_reported(step).isoformat(),
    }


def serialize(ticket: RepairTicket) -> dict:
    return {
        "number": ticket.number,
        "area_id": ticket.area_id,
        "location": ticket.location,
        "category": ticket.category.value,
        "state": ticket.state.value,
        "assigned_to_id": ticket.assigned_to_id,
        "note": ticket.note,
        "photo_ids": list(ticket.photo_ids or []),
        "source": ticket.source,
        "version": ticket.version,
        "device_time": device_time_as_reported(ticket).isoformat(),
        "steps": [_step(step) for step in ticket.steps],
    }


def scopes(ticket: RepairTicket) -> set[str]:
    """Unfinished tickets for the floor staff who check them; a ticket assigned to an
    engineer for that engineer's tablet until it is verified."""
    if ticket.state not in UNFINISHED:
        return set()
    tags = {UNFINISHED_TAG}
    if ticket.assigned_to_id is not None:
        tags.add(f"user:{ticket.assigned_to_id}")
    return tags


TICKET_KIND = RecordKind(
    KIND, RepairTicket, serialize=serialize, scopes=scopes, partition=lambda t: t.property_id
)


def floor_staff_hold_unfinished_tickets(actor: Actor) -> set[str]:
    return {UNFINISHED_TAG} if actor.role == Role.FLOOR_STAFF.value else set()


class DeskMoveArgs(Schema):
    """A move as the office makes it on a ticket's page: the ticket's version the page
    showed, and a note."""

    base_version = fields.Integer(required=True)
    note = shared.optional_text()


class DeskReopenArgs(DeskMoveArgs):
    """A reopening says why: the note is required."""

    note = shared.text()


class AssignArgs(DeskMoveArgs):
    assigned_to_id = fields.Integer(required=True)


class StepArgs(DeskMoveArgs):
    """A move as a tablet sends it: the step's own id, the ticket, its photos."""

    id = fields.UUID(required=True)
    ticket_id = fields.UUID(required=True)
    photo_ids = shared.photo_ids()


class ReopenArgs(StepArgs):
    note = shared.text()


#: The desk's moves, by name, with the schema of their form.
DESK_MOVES = {"assign": AssignArgs(), "verify": DeskMoveArgs(), "reopen": DeskReopenArgs()}


def handler(move_name: str):
    move = MOVES[move_name]

    def apply(context: MutationContext, args: dict) -> None:
        move_ticket(
            context,
            move,
            ticket_id=args["ticket_id"],
            step_id=args["id"],
            base_version=args["base_version"],
            note=args["note"],
            photo_ids=args["photo_ids"],
        )

    apply.__doc__ = f"Apply a device's {move_name} of a repair ticket."
    return apply


#: The device's moves: (mutation, schema, roles, move, label).
DEVICE_MOVES = [
    ("repairs.start@1", StepArgs, ENGINEERS, "start", _l("Repair begun")),
    ("repairs.fix@1", StepArgs, ENGINEERS, "fix", _l("Repair done")),
    ("repairs.verify@1", StepArgs, CHECKERS, "verify", _l("Repair verified")),
    ("repairs.reopen@1", ReopenArgs, CHECKERS, "reopen", _l("Repair ticket reopened")),
]
