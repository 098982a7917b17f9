"""Repair tickets: opened inside another job's mutation, moved by the people allowed to."""

import uuid
from datetime import UTC, datetime

import pytest
from marshmallow import Schema, fields
from sqlalchemy import func, select

from app.extensions import db
from app.models import Role
from app.repairs.models import RepairCategory, RepairStep, RepairTicket, TicketState
from app.repairs.tickets import MOVES, open_ticket, refusal
from sync.tables import attachment_ref
from tests.support import Tablet
from tests.test_duty import an_area

OPEN = "test.open_ticket@1"


class OpenArgs(Schema):
    """What a patrol round's problem hands to ``open_ticket``, as a test mutation."""

    source_id = fields.UUID(required=True)
    item = fields.String(required=True)
    area_id = fields.Integer(load_default=None, allow_none=True)
    photo_ids = fields.List(fields.UUID(), load_default=list)


@pytest.fixture
def opener(app):
    """A stand-in for the patrol job: a mutation whose handler opens a ticket per item."""

    def open_for_item(context, args):
        open_ticket(
            context,
            ticket_id=uuid.uuid5(args["source_id"], args["item"]),
            category=RepairCategory.LIGHTING,
            location="12F 办公区",
            note=f"{args['item']} 不亮",
            photo_ids=args["photo_ids"],
            source="patrol",
            source_id=args["source_id"],
            area_id=args["area_id"],
        )

    registry = app.extensions["sync_registry"]
    registry.mutation(OPEN, OpenArgs, roles={Role.FLOOR_STAFF.value})(open_for_item)
    return open_for_item


def opening(mutation_id: int, source_id: uuid.UUID, item: str = "走廊灯", **args) -> dict:
    return {
        "id": mutation_id,
        "name": OPEN,
        "args": {"source_id": str(source_id), "item": item, **args},
        "device_time": datetime.now(UTC).isoformat(),
    }


def tickets(app) -> list[RepairTicket]:
    with app.app_context():
        return list(db.session.scalars(select(RepairTicket).order_by(RepairTicket.number)))


def test_a_round_opens_tickets_numbered_per_property_with_their_photos(app, opener):
    tablet = Tablet(app, "floor1")
    round_id, photo = uuid.uuid4(), uuid.uuid4()
    reply = tablet.push(
        opening(1, round_id, "走廊灯", area_id=an_area(app), photo_ids=[str(photo)]),
        opening(2, round_id, "消防栓"),
    )
    assert [r["status"] for r in reply.get_json()["results"]] == ["applied", "applied"]
    first, second = tickets(app)
    assert (first.number, second.number) == (1, 2)
    assert first.state is TicketState.OPEN and first.source == "patrol"
    assert first.source_id == round_id and first.photo_ids == [str(photo)]
    with app.app_context():
        refs = db.session.execute(select(attachment_ref.c.kind, attachment_ref.c.record_id)).all()
        assert refs == [("repair_ticket", str(first.id))]
        opened = db.session.scalars(select(RepairStep)).all()
        assert {(s.from_state, s.to_state) for s in opened} == {(None, TicketState.OPEN)}


def test_a_retried_round_opens_its_ticket_once(app, opener):
    tablet = Tablet(app, "floor1")
    round_id = uuid.uuid4()
    tablet.push(opening(1, round_id))
    # The same round again, as a new mutation (the device lost the reply and rebuilt it),
    # and the same mutation again.
    again = tablet.push(opening(1, round_id), opening(2, round_id))
    assert [r["status"] for r in again.get_json()["results"]] == ["duplicate", "applied"]
    assert len(tickets(app)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(RepairStep.id))) == 1


def test_a_ticket_id_of_another_property_is_refused(app, opener):
    from tests.support import add_other_property

    add_other_property(app)
    round_id = uuid.uuid4()
    Tablet(app, "floor1").push(opening(1, round_id))
    reply = Tablet(app, "outsider", "outsider-pass").push(opening(1, round_id))
    assert reply.get_json()["results"][0]["reason"] == "id_taken"


@pytest.mark.parametrize(
    ("move", "state", "role", "assignee", "reason"),
    [
        ("assign", TicketState.OPEN, Role.OFFICE, False, None),
        ("assign", TicketState.OPEN, Role.SUPERVISOR, False, None),
        ("assign", TicketState.REOPENED, Role.OFFICE, False, None),
        ("assign", TicketState.OPEN, Role.FLOOR_STAFF, False, "wrong_role"),
        ("assign", TicketState.OPEN, Role.ENGINEERING, True, "wrong_role"),
        ("assign", TicketState.FIXED, Role.OFFICE, False, "illegal_move"),
        ("start", TicketState.ASSIGNED, Role.ENGINEERING, True, None),
        ("start", TicketState.REOPENED, Role.ENGINEERING, True, None),
        ("start", TicketState.ASSIGNED, Role.ENGINEERING, False, "not_assignee"),
        ("start", TicketState.OPEN, Role.ENGINEERING, True, "illegal_move"),
        ("start", TicketState.ASSIGNED, Role.FLOOR_STAFF, True, "wrong_role"),
        ("fix", TicketState.IN_PROGRESS, Role.ENGINEERING, True, None),
        ("fix", TicketState.ASSIGNED, Role.ENGINEERING, True, "illegal_move"),
        ("fix", TicketState.IN_PROGRESS, Role.OFFICE, False, "wrong_role"),
        ("verify", TicketState.FIXED, Role.FLOOR_STAFF, False, None),
        ("verify", TicketState.FIXED, Role.SUPERVISOR, False, None),
        ("verify", TicketState.IN_PROGRESS, Role.FLOOR_STAFF, False, "illegal_move"),
        ("verify", TicketState.FIXED, Role.ENGINEERING, True, "wrong_role"),
        ("verify", TicketState.FIXED, Role.GUARD, False, "wrong_role"),
        ("reopen", TicketState.FIXED, Role.FLOOR_STAFF, False, None),
        ("reopen", TicketState.FIXED, Role.OFFICE, False, None),
        ("reopen", TicketState.VERIFIED, Role.FLOOR_STAFF, False, "illegal_move"),
        ("reopen", TicketState.OPEN, Role.FLOOR_STAFF, False, "illegal_move"),
    ],
)
def test_who_may_move_a_ticket_where(move, state, role, assignee, reason):
    assert refusal(MOVES[move], state, role, assignee) == reason
