"""Meeting rooms through the real endpoints: requests and the overlap rule, approval by
role and the tasks it makes, ticks, no-shows, the restore check, the office's pages."""

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Area, AreaKind, Property, areas_at
from app.repairs.models import RepairCategory, RepairTicket
from app.rooms.demo import add_demo_rooms
from app.rooms.models import Booking, BookingState, BookingTask, Room, TaskKind, TaskTick
from tests.support import ROOM_DAY as DAY
from tests.support import AuthActions, Tablet, add_room, room_request, table_contents

ZONE = ZoneInfo("Asia/Shanghai")


RESTORE = "rooms.restore@1"


def tick(mutation_id: int, task_id, device_time: datetime, name="rooms.tick@1", **args):
    return {
        "id": mutation_id,
        "name": name,
        "args": {"id": str(uuid.uuid4()), "task_id": str(task_id), **args},
        "device_time": device_time.isoformat(),
    }


def results(reply) -> list[tuple[str, str | None]]:
    return [(r["status"], r.get("reason")) for r in reply.get_json()["results"]]


def bookings(app) -> list[Booking]:
    with app.app_context():
        return db.session.scalars(select(Booking).order_by(Booking.starts_at)).all()


@pytest.fixture
def room(app) -> int:
    return add_room(app)


def test_a_request_made_on_a_tablet_is_pending_in_local_time_and_reaches_the_tablets(app, room):
    tablet = Tablet(app, "floor1")
    assert results(tablet.push(room_request(1, room))) == [("applied", None)]
    [booking] = bookings(app)
    assert booking.state is BookingState.PENDING
    assert booking.starts_at == datetime.combine(DAY, time(9), ZONE).astimezone(UTC)
    assert booking.held_from == booking.starts_at - timedelta(minutes=30)
    assert booking.held_until == booking.ends_at + timedelta(minutes=15)
    other = Tablet(app, "floor1")
    changes = other.pull().get_json()["changes"]
    kinds = {c["kind"] for c in changes}
    assert {"room", "booking"} <= kinds
    [held] = [c["data"] for c in changes if c["kind"] == "booking"]
    assert held["state"] == "pending" and held["room_id"] == room


def test_a_guard_holds_nothing_of_rooms_and_may_not_request(app, room):
    Tablet(app, "floor1").push(room_request(1, room))
    guard = Tablet(app, "guard1")
    kinds = {c["kind"] for c in guard.pull().get_json()["changes"]}
    assert not kinds & {"room", "booking", "room_task", "room_tick"}
    assert results(guard.push(room_request(1, room))) == [("rejected", "forbidden")]
    guard.auth.login("guard1")
    assert guard.client.get("/rooms/").status_code == 403
    assert guard.client.get("/rooms/grid").status_code == 403


def test_two_requests_that_meet_within_the_buffers_the_later_is_refused(app, room):
    first, second = Tablet(app, "floor1"), Tablet(app, "floor1")
    assert results(first.push(room_request(1, room, "09:00", "10:00"))) == [("applied", None)]
    # 10:00 + 15 min clear-down meets 10:30 - 30 min setup.
    reply = second.push(
        room_request(1, room, "10:30", "11:00"), room_request(2, room, "11:00", "12:00")
    )
    answer = reply.get_json()["results"]
    assert [(r["status"], r.get("reason")) for r in answer] == [
        ("rejected", "overlap"),
        ("applied", None),
    ]
    # In the user's language for the tablet, the engine's words beside it.
    assert answer[0]["message"] == "该时段会议室已被占用"
    assert DAY.isoformat() in answer[0]["detail"]


def test_a_forms_blank_end_date_and_tea_count_mean_none(app, room):
    tablet = Tablet(app, "floor1")
    assert results(tablet.push(room_request(1, room, until="", tea_for=None))) == [
        ("applied", None)
    ]
    [booking] = bookings(app)
    assert booking.tea_for == 0 and booking.series_id is None


def test_requests_of_one_batch_see_each_other(app, room):
    tablet = Tablet(app, "floor1")
    reply = tablet.push(
        room_request(1, room, "09:00", "10:00"),
        room_request(2, room, "09:30", "10:30"),
        room_request(3, room, "14:00", "15:00"),
    )
    assert results(reply) == [("applied", None), ("rejected", "overlap"), ("applied", None)]
    assert len(bookings(app)) == 2


def test_a_request_sent_twice_is_made_once_and_not_its_own_clash(app, room):
    tablet = Tablet(app, "floor1")
    mutation = room_request(1, room)
    tablet.push(mutation)
    tablet.client_id = uuid.uuid4()  # the same request from a fresh outbox
    assert results(tablet.push(mutation)) == [("applied", None)]
    assert len(bookings(app)) == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"starts": "07:00"}, "outside_hours"),
        ({"ends": "22:00"}, "outside_hours"),
        ({"starts": "10:00", "ends": "09:00"}, "bad_times"),
        ({"attendees": 21}, "over_capacity"),
        ({"layout": "theatre"}, "layout_not_offered"),
        ({"equipment": ["video"]}, "equipment_missing"),
        ({"room_id": 999}, "unknown_room"),
        ({"repeat": "weekly"}, "bad_repeat"),
        ({"title": ""}, "invalid"),
        ({"attendees": 0}, "invalid"),
    ],
)
def test_a_request_that_does_not_fit_the_room_is_refused_with_its_reason(app, room, change, reason):
    tablet = Tablet(app, "floor1")
    change = dict(change)
    room_id = change.pop("room_id", room)
    assert results(tablet.push(room_request(1, room_id, **change))) == [("rejected", reason)]
    assert bookings(app) == []


def test_a_cancellation_frees_the_slot_at_once(app, room, client, auth):
    Tablet(app, "floor1").push(room_request(1, room))
    [booking] = bookings(app)
    auth.login("office1")
    assert auth.post(f"/rooms/bookings/{booking.id}/cancel").status_code == 302
    assert results(Tablet(app, "floor1").push(room_request(1, room))) == [("applied", None)]


def test_recurring_requests_make_one_booking_each_and_a_clash_names_its_day(app, room):
    tablet = Tablet(app, "floor1")
    until = DAY + timedelta(days=14)
    assert results(
        tablet.push(room_request(1, room, repeat="weekly", until=until.isoformat()))
    ) == [("applied", None)]
    made = bookings(app)
    assert [b.starts_at.astimezone(ZONE).date() for b in made] == [
        DAY,
        DAY + timedelta(days=7),
        DAY + timedelta(days=14),
    ]
    assert len({b.series_id for b in made}) == 1
    second = DAY + timedelta(days=7)
    reply = Tablet(app, "floor1").push(
        room_request(1, room, day=DAY + timedelta(days=6), repeat="daily", until=second.isoformat())
    )
    [answer] = reply.get_json()["results"]
    assert answer["reason"] == "overlap" and second.isoformat() in answer["detail"]


def approve_all(app, client):
    auth = AuthActions(client)
    auth.login("super1")
    for booking in bookings(app):
        reply = auth.post(f"/rooms/bookings/{booking.id}/decide", {"decision": "approve"})
        assert reply.status_code == 302


def test_approval_is_the_supervisors_and_creates_the_tasks_that_reach_the_tablet(app, room):
    tablet = Tablet(app, "floor1")
    tablet.push(room_request(1, room, equipment=[], tea_for=0))
    tablet.pull()
    [booking] = bookings(app)
    for username in ("floor1", "office1"):
        client = app.test_client()
        AuthActions(client).login(username)
        reply = AuthActions(client).post(
            f"/rooms/bookings/{booking.id}/decide", {"decision": "approve"}
        )
        assert reply.status_code == 403, username
    approve_all(app, app.test_client())
    with app.app_context():
        stored = db.session.get(Booking, booking.id)
        assert stored.state is BookingState.CONFIRMED
        kinds = [t.kind for t in stored.tasks]
    # No equipment and no tea asked for: no such tasks.
    assert sorted(kinds) == sorted(
        [
            TaskKind.OPEN_EARLY,
            TaskKind.CLEANING,
            TaskKind.LAYOUT,
            TaskKind.GREET,
            TaskKind.RESTORE,
        ]
    )
    changes = tablet.pull().get_json()["changes"]
    assert len([c for c in changes if c["kind"] == "room_task"]) == 5
    assert [c["data"]["state"] for c in changes if c["kind"] == "booking"] == ["confirmed"]


def test_a_rejection_needs_a_reason_and_the_queue_shows_what_waits(app, room, client, auth):
    Tablet(app, "floor1").push(room_request(1, room, title="待批的会"))
    [booking] = bookings(app)
    auth.login("super1")
    assert "待批的会" in client.get("/rooms/queue").get_data(as_text=True)
    before = table_contents(app)
    refused = auth.post(f"/rooms/bookings/{booking.id}/decide", {"decision": "reject"})
    assert refused.status_code == 422
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    assert table_contents(app) == before
    reply = auth.post(
        f"/rooms/bookings/{booking.id}/decide", {"decision": "reject", "reason": "检修"}
    )
    assert reply.status_code == 302
    [stored] = bookings(app)
    assert (stored.state, stored.reject_reason) == (BookingState.REJECTED, "检修")
    assert "已拒绝：“待批的会”" in client.get("/rooms/queue").get_data(as_text=True)
    assert "待批的会" not in client.get("/rooms/queue").get_data(as_text=True)


def test_a_repeating_request_is_approved_or_rejected_whole_and_each_decision_says_so(
    app, room, client, auth
):
    tablet = Tablet(app, "floor1")
    until = (DAY + timedelta(days=2)).isoformat()
    tablet.push(
        room_request(1, room, title="晨会", repeat="daily", until=until),
        room_request(2, room, "14:00", "15:00", title="周会", repeat="daily", until=until),
        room_request(3, room, "17:00", "18:00", title="单次会"),
    )
    made = bookings(app)
    morning = [b for b in made if b.title == "晨会"]
    auth.login("super1")
    queue = client.get("/rooms/queue").get_data(as_text=True)
    # One row a request: the series once, with its days and one button for all of them.
    assert queue.count("全部批准（3 天）") == 2 and queue.count("晨会") == 1
    reply = auth.post(f"/rooms/bookings/{morning[1].id}/decide", {"decision": "approve_series"})
    assert reply.status_code == 302
    said = client.get(reply.headers["Location"]).get_data(as_text=True)
    days = "、".join(b.starts_at.astimezone(ZONE).strftime("%m-%d") for b in morning)
    assert f"已批准全部 3 天：“晨会”，长江厅，{days} 09:00–10:00。" in said
    weekly = [b for b in bookings(app) if b.title == "周会"]
    page = client.get(f"/rooms/bookings/{weekly[0].id}").get_data(as_text=True)
    assert "全部拒绝（3 天）" in page
    refused = auth.post(f"/rooms/bookings/{weekly[0].id}/decide", {"decision": "reject_series"})
    assert refused.status_code == 422
    reply = auth.post(
        f"/rooms/bookings/{weekly[0].id}/decide", {"decision": "reject_series", "reason": "检修"}
    )
    assert "已拒绝全部 3 天：“周会”" in client.get(reply.headers["Location"]).get_data(as_text=True)
    single = next(b for b in made if b.title == "单次会")
    reply = auth.post(f"/rooms/bookings/{single.id}/decide", {"decision": "approve"})
    said = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert f"已批准：“单次会”，长江厅，{DAY:%m-%d} 17:00–18:00。" in said
    with app.app_context():
        stored = {b.id: b for b in db.session.scalars(select(Booking))}
        # Each day is still its own booking, with its own tasks.
        for booking in morning:
            assert stored[booking.id].state is BookingState.CONFIRMED
            assert len(stored[booking.id].tasks) == 7
        assert {stored[b.id].state for b in weekly} == {BookingState.REJECTED}
        assert {stored[b.id].reject_reason for b in weekly} == {"检修"}


def confirmed_tasks(app, room, tablet) -> dict[TaskKind, uuid.UUID]:
    tablet.push(room_request(tablet.next_id, room))
    tablet.next_id += 1
    approve_all(app, app.test_client())
    with app.app_context():
        return {t.kind: t.id for t in db.session.scalars(select(BookingTask))}


def test_two_offline_ticks_of_one_task_are_both_kept_and_the_first_counts(app, room):
    early, late = Tablet(app, "floor1"), Tablet(app, "floor1")
    tasks = confirmed_tasks(app, room, early)
    moment = datetime.now(UTC)
    # The later tick by the device's clock arrives first.
    assert results(late.push(tick(1, tasks[TaskKind.LAYOUT], moment))) == [("applied", None)]
    reply = early.push(tick(early.next_id, tasks[TaskKind.LAYOUT], moment - timedelta(minutes=5)))
    assert reply.get_json()["results"][0] == {"id": early.next_id, "status": "applied"}
    with app.app_context():
        task = db.session.get(BookingTask, tasks[TaskKind.LAYOUT])
        assert len(task.ticks) == 2
        assert task.done_at == moment - timedelta(minutes=5)
        assert task.done_tick_id == task.ticks[0].id
        assert task.ticks[0].device_id == early.device_id
    [data] = [
        c["data"]
        for c in late.pull().get_json()["changes"]
        if c["kind"] == "room_task" and c["id"] == str(tasks[TaskKind.LAYOUT])
    ]
    assert data["done_by"] == "王楼层"


@pytest.mark.parametrize("ending", ["cancelled", "no_show"])
def test_a_tick_on_a_booking_that_no_longer_stands_is_refused_even_if_made_before(
    app, room, ending
):
    tablet, colleague = Tablet(app, "floor1"), Tablet(app, "floor1")
    tasks = confirmed_tasks(app, room, tablet)
    [booking] = bookings(app)
    if ending == "cancelled":
        office = AuthActions(app.test_client())
        office.login("office1")
        assert office.post(f"/rooms/bookings/{booking.id}/cancel").status_code == 302
    else:
        no_show = {
            "id": 1,
            "name": "rooms.no_show@1",
            "args": {"booking_id": str(booking.id)},
            "device_time": (booking.starts_at + timedelta(minutes=16)).isoformat(),
        }
        assert results(colleague.push(no_show)) == [("applied", None)]
    # Both ticked offline before the news reached this tablet, and sent after.
    reply = tablet.push(
        tick(2, tasks[TaskKind.LAYOUT], booking.starts_at - timedelta(minutes=20)),
        tick(3, tasks[TaskKind.RESTORE], booking.ends_at, "rooms.restore@1"),
    )
    answers = reply.get_json()["results"]
    assert results(reply) == [("rejected", "booking_not_active")] * 2
    assert answers[0]["message"] == "该预订已取消或不再有效"
    with app.app_context():
        assert db.session.scalars(select(TaskTick)).all() == []
        assert db.session.scalars(select(BookingTask.done_at)).all() == [None] * len(tasks)


def test_a_restore_check_ticked_before_the_meeting_began_is_refused(app, room):
    tablet = Tablet(app, "floor1")
    tasks = confirmed_tasks(app, room, tablet)
    [booking] = bookings(app)
    reply = tablet.push(
        tick(2, tasks[TaskKind.RESTORE], booking.starts_at - timedelta(minutes=1), RESTORE),
        tick(3, tasks[TaskKind.RESTORE], booking.starts_at, RESTORE),
    )
    assert results(reply) == [("rejected", "meeting_not_begun"), ("applied", None)]
    assert reply.get_json()["results"][0]["message"] == "会议尚未开始，还不能做恢复检查"


def test_the_restore_check_keeps_what_was_found_and_a_problem_opens_a_repair_ticket(app, room):
    tablet = Tablet(app, "floor1")
    tasks = confirmed_tasks(app, room, tablet)
    [booking] = bookings(app)
    now = booking.ends_at
    photo = str(uuid.uuid4())
    check_sent = tick(
        5,
        tasks[TaskKind.RESTORE],
        now,
        "rooms.restore@1",
        damaged=True,
        note="投影仪镜头有裂痕",
        photo_ids=[photo],
        items_left="黑色雨伞一把",
        restored=False,
    )
    reply = tablet.push(
        tick(2, tasks[TaskKind.RESTORE], now, "rooms.restore@1", damaged=True, note=" "),
        tick(3, tasks[TaskKind.LAYOUT], now, "rooms.restore@1"),
        tick(4, tasks[TaskKind.RESTORE], now),
        check_sent,
    )
    assert results(reply) == [
        ("rejected", "note_needed"),
        ("rejected", "unknown_task"),
        ("rejected", "restore_needs_check"),
        ("applied", None),
    ]
    with app.app_context():
        [check] = db.session.scalars(select(TaskTick)).all()
        assert (check.damaged, check.note, check.photo_ids) == (True, "投影仪镜头有裂痕", [photo])
        assert (check.items_left, check.restored) == ("黑色雨伞一把", False)
        # The problem is a repair ticket for engineering, opened once however often sent.
        [ticket] = db.session.scalars(select(RepairTicket)).all()
        assert (ticket.source, ticket.source_id, ticket.note) == (
            "room_restore",
            check.id,
            "投影仪镜头有裂痕",
        )
        assert ticket.photo_ids == [photo] and "长江厅" in ticket.location
        assert ticket.category is RepairCategory.FACILITIES and ticket.area_id is not None
    tablet.client_id = uuid.uuid4()
    assert results(tablet.push({**check_sent, "id": 1})) == [("applied", None)]
    with app.app_context():
        assert len(db.session.scalars(select(RepairTicket)).all()) == 1
    office = app.test_client()
    AuthActions(office).login("office1")
    [booking] = bookings(app)
    page = office.get(f"/rooms/bookings/{booking.id}").get_data(as_text=True)
    assert "投影仪镜头有裂痕" in page and "黑色雨伞一把" in page and "王楼层" in page
    # The task column's "Due" is a room task's, not a patrol's 待巡.
    assert '<th scope="col">应完成</th>' in page and "待巡" not in page
    assert f"/repairs/desk/{ticket.id}" in page


def test_a_no_show_is_marked_15_minutes_after_the_start_and_frees_the_room(app, room):
    tablet = Tablet(app, "floor1")
    tablet.push(room_request(1, room))
    approve_all(app, app.test_client())
    [booking] = bookings(app)

    def no_show(mutation_id, at):
        return {
            "id": mutation_id,
            "name": "rooms.no_show@1",
            "args": {"booking_id": str(booking.id)},
            "device_time": at.isoformat(),
        }

    reply = tablet.push(
        no_show(2, booking.starts_at + timedelta(minutes=10)),
        no_show(3, booking.starts_at + timedelta(minutes=16)),
    )
    assert results(reply) == [("rejected", "too_early"), ("applied", None)]
    assert bookings(app)[0].state is BookingState.NO_SHOW
    assert results(tablet.push(room_request(4, room))) == [("applied", None)]


def test_the_office_books_on_the_desktop_and_a_clash_is_refused_changing_nothing(
    app, room, client, auth
):
    auth.login("office1")
    form = {
        "room_id": str(room),
        "date": DAY.isoformat(),
        "starts": "09:00",
        "ends": "10:00",
        "title": "董事会",
        "company": "华信科技",
        "organiser": "刘女士",
        "phone": "138",
        "attendees": "6",
        "layout": "boardroom",
        "equipment": ["projector", "screen"],
        "tea_for": "6",
    }
    assert auth.post("/rooms/bookings/new", form).status_code == 302
    [booking] = bookings(app)
    assert booking.equipment == ["projector", "screen"] and booking.device_id is None
    before = table_contents(app)
    clash = auth.post("/rooms/bookings/new", {**form, "starts": "09:30", "ends": "10:30"})
    assert clash.status_code == 422
    assert "该时段会议室已被占用" in clash.get_data(as_text=True)
    bad = auth.post("/rooms/bookings/new", {**form, "attendees": "many", "title": ""})
    assert bad.status_code == 422
    assert 'id="attendees-error"' in bad.get_data(as_text=True)
    assert table_contents(app) == before
    # The tablet's offline request for the same hour is refused when it syncs.
    assert results(Tablet(app, "floor1").push(room_request(1, room, "09:45", "10:15"))) == [
        ("rejected", "overlap")
    ]


def test_the_office_sets_up_rooms_and_bad_input_is_refused_with_the_fields(app, client, auth):
    auth.login("office1")
    with app.app_context():
        area = db.session.scalar(areas_at(1).where(Area.kind == AreaKind.MEETING_FLOOR))
        floor_id = area.floor_id
    form = {
        "name": "泰山室",
        "floor_id": str(floor_id),
        "capacity": "12",
        "equipment": ["screen"],
        "layouts": ["boardroom"],
        "opens_at": "08:00",
        "closes_at": "20:00",
        "setup_minutes": "20",
        "cleardown_minutes": "10",
    }
    before = table_contents(app)
    for wrong in (
        {"capacity": "0"},
        {"closes_at": "07:00"},
        {"layouts": []},
        {"floor_id": "99999"},
        {"setup_minutes": "-5"},
        {"name": ""},
    ):
        reply = auth.post("/rooms/rooms/new", {**form, **wrong})
        assert reply.status_code == 422, wrong
        assert f'id="{next(iter(wrong))}-error"' in reply.get_data(as_text=True), wrong
    assert table_contents(app) == before
    assert auth.post("/rooms/rooms/new", form).status_code == 302
    with app.app_context():
        [room] = db.session.scalars(select(Room)).all()
        assert (room.capacity, room.layouts, room.setup_minutes) == (12, ["boardroom"], 20)
    page = auth.post(f"/rooms/rooms/{room.id}", {**form, "capacity": "14"})
    assert page.status_code == 302
    listed = client.get("/rooms/rooms").get_data(as_text=True)
    # A room's name and opening hours, not a person's 姓名 or a ticket's 待派.
    assert "泰山室" in listed and "名称" in listed and "开放时间" in listed
    assert "姓名" not in listed and "待派" not in listed


def test_the_demo_week_shows_on_the_grid_and_in_the_csv(app, client, auth):
    with app.app_context():
        add_demo_rooms(db.session.scalar(select(Property).where(Property.code == "DEMO")))
        db.session.commit()
        states = {b.state for b in db.session.scalars(select(Booking))}
        done = db.session.scalars(select(BookingTask.done_at)).all()
    assert states == set(BookingState)
    assert any(done) and not all(done)
    auth.login("office1")
    page = client.get("/rooms/grid").get_data(as_text=True)
    assert page.count('class="slot') >= 20 and "长江厅" in page
    fragment = client.get("/rooms/grid?view=day", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<div id="room-grid"')
    assert "HX-Request" in fragment.headers["Vary"]
    csv = client.get("/desk/room-bookings.csv?state=rejected").get_data(as_text=True)
    assert "供应商洽谈" in csv and "季度经营分析会" not in csv
    auth.login("floor1")
    assert "长江厅" in client.get("/rooms/").get_data(as_text=True)
