"""Repair tickets: opened inside another job's mutation, moved by the people allowed to."""

import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields
from sqlalchemy import func, select

from app.extensions import db
from app.models import Property, Role, User
from app.repairs.models import RepairCategory, RepairStep, RepairTicket, TicketState
from app.repairs.tickets import MOVES, open_ticket, refusal
from sync.tables import attachment_ref, flag
from tests.support import JPEG, AuthActions, Tablet, an_area, table_contents

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


def ticket_of(app, ticket_id) -> RepairTicket:
    with app.app_context():
        return db.session.get(RepairTicket, ticket_id)


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def add_second_engineer(app) -> None:
    """eng2, 赵工程, another engineer of the demo property."""
    with app.app_context():
        other = User(username="eng2", display_name="赵工程", role=Role.ENGINEERING)
        other.set_password("eng2-password")
        other.properties = [db.session.scalar(select(Property).where(Property.code == "DEMO"))]
        db.session.add(other)
        db.session.commit()


def opened_ticket(app) -> uuid.UUID:
    """A ticket a floor tablet's round opened."""
    round_id = uuid.uuid4()
    reply = Tablet(app, "floor1").push(opening(1, round_id, area_id=an_area(app)))
    assert reply.get_json()["results"][0]["status"] == "applied"
    return uuid.uuid5(round_id, "走廊灯")


def desk_move(app, ticket_id, move: str, username="office1", **form):
    client = app.test_client()
    auth = AuthActions(client)
    auth.login(username)
    data = {"base_version": ticket_of(app, ticket_id).version, "note": "", **form}
    return auth.post(f"/repairs/desk/{ticket_id}/{move}", data=data)


def assigned_ticket(app, engineer="eng1") -> uuid.UUID:
    ticket_id = opened_ticket(app)
    reply = desk_move(app, ticket_id, "assign", assigned_to_id=user_id(app, engineer))
    assert reply.status_code == 303, reply.get_data(as_text=True)
    return ticket_id


def step(mutation_id: int, move: str, ticket_id, base_version: int, **args) -> dict:
    return {
        "id": mutation_id,
        "name": f"repairs.{move}@1",
        "args": {
            "id": str(uuid.uuid4()),
            "ticket_id": str(ticket_id),
            "base_version": base_version,
            **args,
        },
        "device_time": datetime.now(UTC).isoformat(),
    }


def results(reply) -> list[tuple[str, str | None]]:
    return [(r["status"], r.get("reason")) for r in reply.get_json()["results"]]


def test_an_engineer_works_a_ticket_offline_and_floor_staff_verify_it(app, opener):
    ticket_id = assigned_ticket(app)
    base = ticket_of(app, ticket_id).version
    engineer = Tablet(app, "eng1")
    photo = uuid.uuid4()
    assert engineer.upload(photo, JPEG).status_code == 201
    # Both steps made offline on the version the tablet last synced.
    reply = engineer.push(
        step(1, "start", ticket_id, base, note="到场检查"),
        step(2, "fix", ticket_id, base, note="已换灯管", photo_ids=[str(photo)]),
    )
    assert results(reply) == [("applied", None), ("applied", None)]
    assert ticket_of(app, ticket_id).state is TicketState.FIXED
    assert str(ticket_id) in {c["id"] for c in engineer.pull().get_json()["changes"]}
    floor = Tablet(app, "floor1")
    held = {c["id"]: c for c in floor.pull().get_json()["changes"] if c["kind"] == "repair_ticket"}
    fixed = held[str(ticket_id)]["data"]
    assert fixed["state"] == "fixed" and fixed["number"] == 1
    assert [s["to_state"] for s in fixed["steps"]] == ["open", "assigned", "in_progress", "fixed"]
    assert fixed["steps"][-1]["photo_ids"] == [str(photo)]
    reply = floor.push(step(1, "verify", ticket_id, fixed["version"], note="已核实"))
    assert results(reply) == [("applied", None)]
    assert ticket_of(app, ticket_id).state is TicketState.VERIFIED
    # Verified, it leaves the tablets.
    changes = engineer.pull().get_json()["changes"]
    assert [(c["id"], c["op"]) for c in changes if c["kind"] == "repair_ticket"] == [
        (str(ticket_id), "delete")
    ]
    # The engineer's photo is for those who work on the property's tickets.
    assert engineer.client.get(f"/attachments/{photo}").status_code == 200
    assert floor.client.get(f"/attachments/{photo}").status_code == 200
    assert Tablet(app, "guard1").client.get(f"/attachments/{photo}").status_code == 404


def test_a_resent_step_is_made_once(app, opener):
    ticket_id = assigned_ticket(app)
    engineer = Tablet(app, "eng1")
    start = step(1, "start", ticket_id, ticket_of(app, ticket_id).version)
    engineer.push(start)
    again = {**start, "id": 2}
    assert results(engineer.push(again)) == [("applied", None)]
    with app.app_context():
        steps = db.session.scalars(
            select(RepairStep.to_state).where(RepairStep.ticket_id == ticket_id)
        )
        assert list(steps) == [TicketState.OPEN, TicketState.ASSIGNED, TicketState.IN_PROGRESS]


def test_verified_and_reopened_offline_on_two_tablets_merge_and_the_office_is_told(app, opener):
    ticket_id = assigned_ticket(app)
    engineer = Tablet(app, "eng1")
    base = ticket_of(app, ticket_id).version
    engineer.push(step(1, "start", ticket_id, base), step(2, "fix", ticket_id, base))
    fixed_version = ticket_of(app, ticket_id).version
    first, second = Tablet(app, "floor1"), Tablet(app, "floor1")
    assert results(first.push(step(1, "verify", ticket_id, fixed_version))) == [("applied", None)]
    reply = second.push(step(1, "reopen", ticket_id, fixed_version, note="还是不亮"))
    assert results(reply) == [("applied", None)]
    assert reply.get_json()["results"][0]["flags"] == ["concurrent_edit"]
    ticket = ticket_of(app, ticket_id)
    assert ticket.state is TicketState.REOPENED
    with app.app_context():
        flagged = db.session.execute(select(flag.c.reason, flag.c.record_id)).all()
    assert flagged == [("concurrent_edit", str(ticket_id))]
    # Reopened, the engineer takes it up again.
    assert results(engineer.push(step(3, "start", ticket_id, ticket.version))) == [
        ("applied", None)
    ]


def test_illegal_moves_are_refused_with_their_reasons(app, opener):
    ticket_id = assigned_ticket(app)
    version = ticket_of(app, ticket_id).version
    floor = Tablet(app, "floor1")
    reply = floor.push(
        step(1, "verify", ticket_id, version),
        step(2, "start", ticket_id, version),
        step(3, "reopen", ticket_id, version),
        step(4, "verify", uuid.uuid4(), 1),
    )
    assert results(reply) == [
        ("rejected", "illegal_move"),
        ("rejected", "forbidden"),
        ("rejected", "invalid"),
        ("rejected", "not_found"),
    ]
    # The device shows the job's own words for it.
    assert reply.get_json()["results"][0]["message"] == "维修单当前状态不能这样变更"
    assert ticket_of(app, ticket_id).state is TicketState.ASSIGNED
    fix_first = Tablet(app, "eng1").push(step(1, "fix", ticket_id, version))
    assert results(fix_first) == [("rejected", "illegal_move")]


@pytest.mark.parametrize("base_version", [-1, 0, 10**9])
def test_a_version_the_server_never_gave_counts_as_the_ticket_now(app, opener, base_version):
    ticket_id = assigned_ticket(app)
    reply = Tablet(app, "eng1").push(step(1, "start", ticket_id, base_version))
    assert results(reply) == [("applied", None)]
    assert ticket_of(app, ticket_id).state is TicketState.IN_PROGRESS


def test_only_the_assigned_engineer_works_a_ticket(app, opener):
    add_second_engineer(app)
    ticket_id = assigned_ticket(app, engineer="eng2")
    reply = Tablet(app, "eng1").push(step(1, "start", ticket_id, ticket_of(app, ticket_id).version))
    assert results(reply) == [("rejected", "not_assignee")]
    mine = Tablet(app, "eng2", "eng2-password")
    assert results(mine.push(step(1, "start", ticket_id, ticket_of(app, ticket_id).version))) == [
        ("applied", None)
    ]


def test_each_tablet_holds_the_tickets_of_its_role(app, opener):
    mine, open_one = assigned_ticket(app), opened_ticket(app)

    def held(tablet):
        changes = tablet.pull().get_json()["changes"]
        return {c["id"] for c in changes if c["kind"] == "repair_ticket"}

    assert held(Tablet(app, "floor1")) == {str(mine), str(open_one)}
    assert held(Tablet(app, "eng1")) == {str(mine)}
    assert held(Tablet(app, "guard1")) == set()
    assert held(Tablet(app, "office1")) == set()


def test_floor_staff_and_engineers_cannot_assign_tickets(app, opener):
    ticket_id = opened_ticket(app)
    for username in ("floor1", "eng1", "guard1", "admin"):
        reply = desk_move(app, ticket_id, "assign", username, assigned_to_id=user_id(app, "eng1"))
        assert reply.status_code == 403, username
    assert ticket_of(app, ticket_id).state is TicketState.OPEN


def test_the_desk_refuses_a_bad_move_and_changes_nothing(app, opener):
    ticket_id = opened_ticket(app)
    before = table_contents(app)
    not_an_engineer = desk_move(app, ticket_id, "assign", assigned_to_id=user_id(app, "floor1"))
    assert not_an_engineer.status_code == 409
    assert "维修单只能派给本项目的工程人员" in not_an_engineer.get_data(as_text=True)
    no_one = desk_move(app, ticket_id, "assign")
    assert no_one.status_code == 422
    assert 'aria-describedby="assigned_to_id-error"' in no_one.get_data(as_text=True)
    not_fixed = desk_move(app, ticket_id, "verify", "super1")
    assert not_fixed.status_code == 409
    assert desk_move(app, ticket_id, "reopen").status_code == 422
    assert desk_move(app, ticket_id, "close").status_code == 404
    assert table_contents(app) == before


def test_the_office_follows_a_ticket_on_the_desk(app, opener, client, auth):
    ticket_id = assigned_ticket(app)
    engineer = Tablet(app, "eng1")
    base = ticket_of(app, ticket_id).version
    engineer.push(
        step(1, "start", ticket_id, base, note="到场检查"), step(2, "fix", ticket_id, base)
    )
    reopened = desk_move(app, ticket_id, "reopen", "super1", note="灯仍闪烁")
    assert reopened.status_code == 303
    assert ticket_of(app, ticket_id).state is TicketState.REOPENED
    auth.login("office1")
    listing = client.get("/repairs/desk?state=reopened").get_data(as_text=True)
    assert "#1" in listing and "走廊灯 不亮" in listing and "刘工程" in listing
    assert "#1" not in client.get("/repairs/desk?state=open").get_data(as_text=True)
    page = client.get(f"/repairs/desk/{ticket_id}").get_data(as_text=True)
    for seen in ("到场检查", "灯仍闪烁", "陈主管", "张客服", "王楼层", "办公桌"):
        assert seen in page, seen
    csv = client.get("/desk/repair-tickets.csv?assignee=" + str(user_id(app, "eng1")))
    assert "走廊灯 不亮" in csv.get_data(as_text=True)


DEVICE_MOVE_NAMES = ["start", "fix", "verify", "reopen"]
# Why a move made on a stale copy may be refused; never anything else.
REFUSALS = {"illegal_move", "not_assignee", "forbidden"}
HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_moves_made_offline_on_several_tablets_merge_in_any_order(app, opener):
    """Two floor tablets and the engineer's each make moves offline on the version they
    last synced, then push in any order: every move is applied or refused with a reason,
    and the ticket ends where the last applied move took it, with a step for each."""
    tablets = [Tablet(app, "floor1"), Tablet(app, "floor1"), Tablet(app, "eng1")]

    @HYPOTHESIS
    @given(
        advanced=st.integers(min_value=0, max_value=2),
        plans=st.lists(
            st.lists(st.sampled_from(DEVICE_MOVE_NAMES), min_size=1, max_size=3),
            min_size=3,
            max_size=3,
        ),
        order=st.permutations(range(3)),
    )
    def check(advanced, plans, order):
        ticket_id = assigned_ticket(app)
        engineer = tablets[2]
        for move in ["start", "fix"][:advanced]:
            version = ticket_of(app, ticket_id).version
            engineer.next_id += 1
            engineer.push(step(engineer.next_id - 1, move, ticket_id, version))
        seen = ticket_of(app, ticket_id).version
        outcomes = []
        for index in order:
            tablet = tablets[index]
            batch = []
            for move in plans[index]:
                batch.append(step(tablet.next_id, move, ticket_id, seen, note="说明"))
                tablet.next_id += 1
            reply = tablet.push(*batch)
            assert reply.status_code == 200
            for sent, result in zip(batch, reply.get_json()["results"], strict=True):
                assert result["status"] in ("applied", "rejected"), result
                if result["status"] == "rejected":
                    assert result["reason"] in REFUSALS, result
                else:
                    outcomes.append(sent["name"].removeprefix("repairs.").removesuffix("@1"))
        ticket = ticket_of(app, ticket_id)
        with app.app_context():
            steps = db.session.scalar(
                select(func.count(RepairStep.id)).where(RepairStep.ticket_id == ticket_id)
            )
        assert steps == 2 + advanced + len(outcomes)
        if outcomes:
            assert ticket.state is MOVES[outcomes[-1]].target

    check()


def test_the_desk_acting_on_a_page_gone_stale_is_applied_and_flagged(app, opener, client, auth):
    ticket_id = assigned_ticket(app)
    shown = ticket_of(app, ticket_id).version
    Tablet(app, "eng1").push(step(1, "start", ticket_id, shown))
    auth.login("super1")
    # The supervisor reassigns from the page as it was before the engineer began.
    reply = auth.post(
        f"/repairs/desk/{ticket_id}/assign",
        data={"base_version": shown, "assigned_to_id": user_id(app, "eng1"), "note": "改派"},
    )
    assert reply.status_code == 303
    assert ticket_of(app, ticket_id).state is TicketState.ASSIGNED
    with app.app_context():
        flagged = db.session.execute(select(flag.c.reason, flag.c.user_id)).all()
    assert flagged == [("concurrent_edit", user_id(app, "super1"))]
    problems = client.get("/sync/problems")
    assert problems.status_code == 200
    assert str(ticket_id)[:8] in problems.get_data(as_text=True)


def test_a_reassigned_ticket_leaves_the_first_engineers_tablet(app, opener):
    add_second_engineer(app)
    ticket_id = assigned_ticket(app)
    first, second = Tablet(app, "eng1"), Tablet(app, "eng2", "eng2-password")
    assert [c["id"] for c in first.pull().get_json()["changes"]] == [str(ticket_id)]
    second.pull()
    reply = desk_move(app, ticket_id, "assign", "super1", assigned_to_id=user_id(app, "eng2"))
    assert reply.status_code == 303
    assert [(c["id"], c["op"]) for c in first.pull().get_json()["changes"]] == [
        (str(ticket_id), "delete")
    ]
    (change,) = second.pull().get_json()["changes"]
    assert change["data"]["assigned_to_id"] == user_id(app, "eng2")
    assert change["data"]["steps"][-1]["assigned_to"] == "赵工程"
