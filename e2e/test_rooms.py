"""Meeting rooms in the browser: a tablet ticking tasks and requesting a room offline while
the office books the same hour, and the office's week grid and approval."""

import re
import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Area, AreaKind, Property, User, areas_at
from app.rooms.approval import approve, cancel
from app.rooms.demo import add_demo_rooms
from app.rooms.models import (
    Booking,
    BookingState,
    BookingTask,
    Layout,
    Room,
    TaskKind,
    TaskTick,
)
from app.rooms.rules import local_instant
from e2e.support import DESKTOP, requests_while_offline, sign_in

SYNCED = "全部已同步"

# Today's bookings, the tablet's today and the demo's week must stay one day throughout.
pytestmark = pytest.mark.local_time("09:00")


@pytest.fixture
def room(live_server) -> dict:
    """A room of the demo tower open all day, with the demo's four rooms beside it."""
    with live_server.app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        if not db.session.scalar(select(func.count(Room.id))):
            add_demo_rooms(prop)
        area = db.session.scalar(areas_at(prop.id).where(Area.kind == AreaKind.MEETING_FLOOR))
        name = f"测试厅{uuid.uuid4().hex[:4]}"
        room = Room(
            property_id=prop.id,
            floor_id=area.floor_id,
            name=name,
            capacity=10,
            equipment=["projector"],
            layouts=["boardroom"],
            opens_at=time(0),
            closes_at=time(23, 45),
            # No buffers: the free times it offers are the gaps between its meetings.
            setup_minutes=0,
            cleardown_minutes=0,
        )
        db.session.add(room)
        db.session.commit()
        today = datetime.now(ZoneInfo(prop.timezone)).date()
        return {"id": room.id, "name": name, "today": today, "zone": prop.timezone}


def confirmed_booking(
    live_server, room: dict, starts: time, ends: time, title: str, cancelled: bool = False
) -> uuid.UUID:
    """A booking of today in the room, approved, so that its tasks wait on the tablet."""
    with live_server.app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "office1"))
        supervisor = db.session.scalar(select(User).where(User.username == "super1"))
        starts_at = local_instant(room["today"], starts, room["zone"])
        ends_at = local_instant(room["today"], ends, room["zone"])
        held = db.session.get(Room, room["id"])
        booking = Booking(
            id=uuid.uuid4(),
            property_id=held.property_id,
            room=held,
            state=BookingState.PENDING,
            title=title,
            company="华信科技",
            organiser="刘女士",
            phone="138",
            starts_at=starts_at,
            ends_at=ends_at,
            held_from=starts_at - timedelta(minutes=held.setup_minutes),
            held_until=ends_at + timedelta(minutes=held.cleardown_minutes),
            attendees=6,
            layout=Layout.BOARDROOM,
            equipment=["projector"],
            tea_for=6,
            created_by=staff,
            device_time=starts_at,
            received_at=starts_at,
        )
        db.session.add(booking)
        approve(db.session, booking, supervisor)
        if cancelled:
            cancel(db.session, booking)
        db.session.commit()
        return booking.id


def cancel_booking(live_server, booking_id: uuid.UUID) -> None:
    """The office cancels the booking, as its page does."""
    with live_server.app.app_context():
        cancel(db.session, db.session.get(Booking, booking_id))
        db.session.commit()


def fill_request(page: Page, room: dict, starts: str, ends: str, title: str) -> None:
    form = page.locator("#room-request")
    form.get_by_label("会议室", exact=True).select_option(str(room["id"]))
    form.get_by_label("日期").fill(room["today"].isoformat())
    form.get_by_label("开始").fill(starts)
    form.get_by_label("结束").fill(ends)
    form.get_by_label("会议", exact=True).fill(title)
    form.get_by_label("租户公司").fill("远航物流")
    form.get_by_label("联系人").fill("王先生")
    form.get_by_label("电话").fill("13900000000")
    form.get_by_label("人数").fill("8")


def test_offline_ticks_count_once_and_a_colliding_request_is_refused_with_alternatives(
    tablet, new_page, live_server, room
):
    booking_id = confirmed_booking(live_server, room, time(10), time(11), "晨会")
    page = tablet("floor1")
    # The page's own first sync ends with the colleagues' PINs: none is in flight after.
    with page.expect_response("**/handover/pins"):
        page.goto("/rooms/")
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED)
    card = page.locator("#todays-bookings li", has_text="晨会")
    expect(card.locator("button.tick:visible")).to_have_count(6)

    page.context.set_offline(True)
    received = len(live_server.requests)
    card.get_by_role("button", name="按要求布置会场").click()
    card.get_by_role("button", name="调试设备").click()
    expect(card.locator("button.tick:visible")).to_have_count(4)
    expect(card).to_contain_text("我（待同步）")
    fill_request(page, room, "12:00", "13:00", "离线申请的会")
    page.locator("#room-request").get_by_role("button", name="提交申请").click()
    expect(page.locator("#room-request-result")).to_contain_text("同步后待确认")
    waiting = page.locator("#todays-bookings li", has_text="离线申请的会")
    expect(waiting).to_contain_text("待同步：待确认")
    expect(page.locator("#sync-chip")).to_contain_text("3 条待同步")
    assert requests_while_offline(live_server, received) == []

    # Meanwhile the office books the same hour on its desktop.
    office = new_page(DESKTOP)
    sign_in(office, "office1")
    office.goto(f"/rooms/bookings/new?day={room['today'].isoformat()}")
    fill_request(office, room, "12:30", "13:30", "前台预订的会")
    office.get_by_role("button", name="保存申请").click()
    expect(office.locator("h1")).to_contain_text("前台预订的会")

    page.context.set_offline(False)
    expect(page.locator("#sync-chip")).to_contain_text("1 条被拒绝", timeout=15_000)
    # Once the sync has settled it, the form says so, no longer "saved on this device".
    expect(page.locator("#room-request-result")).to_have_text(
        "未能预订：服务器已拒绝，请查看上方被拒绝的申请。"
    )
    refusal = page.locator("#refused-requests li", has_text="离线申请的会")
    expect(refusal.locator(".form-error")).to_have_text("该时段会议室已被占用")
    expect(refusal).to_contain_text("已被“前台预订的会”占用")
    assert refusal.inner_text().count("已被占用") == 1
    # The nearest free hour before and after in its room, then the smallest room free then.
    offers = refusal.locator("button.free-offer")
    expect(offers).to_have_text(
        [f"11:30–12:30 · {room['name']}", f"13:30–14:30 · {room['name']}", "12:00–13:00 · 华山室"]
    )
    expect(page.locator("#todays-bookings li", has_text="离线申请的会")).to_have_count(0)
    expect(card).to_contain_text("王楼层")

    # A tap fills the request in; sent as it is, the room is booked.
    offers.nth(1).click()
    form = page.locator("#room-request")
    expect(form.get_by_label("开始")).to_have_value("13:30")
    expect(form.get_by_label("结束")).to_have_value("14:30")
    expect(form.get_by_label("会议", exact=True)).to_have_value("离线申请的会")
    expect(form.get_by_label("会议室", exact=True)).to_have_value(str(room["id"]))
    form.get_by_role("button", name="提交申请").click()
    expect(page.locator("#room-request-result")).to_contain_text("服务器已收到：离线申请的会")
    expect(page.locator("#todays-bookings li", has_text="离线申请的会")).to_contain_text(
        "13:30–14:30"
    )
    with live_server.app.app_context():
        ticks = db.session.scalars(
            select(TaskTick).join(BookingTask).where(BookingTask.booking_id == booking_id)
        ).all()
        assert len(ticks) == 2
        done = db.session.scalars(
            select(BookingTask.kind).where(
                (BookingTask.booking_id == booking_id) & BookingTask.done_at.is_not(None)
            )
        ).all()
        assert sorted(done) == sorted([TaskKind.LAYOUT, TaskKind.EQUIPMENT])
        titles = db.session.scalars(select(Booking.title).where(Booking.room_id == room["id"]))
        assert sorted(titles) == ["前台预订的会", "晨会", "离线申请的会"]


def test_the_week_grid_shows_the_demo_week_and_approved_tasks_reach_the_tablet(
    tablet, new_page, live_server, room
):
    page = tablet("floor1")
    page.goto("/rooms/")
    fill_request(page, room, "16:00", "17:00", "待审批的会")
    page.locator("#room-request").get_by_role("button", name="提交申请").click()
    expect(page.locator("#room-request-result")).to_contain_text("服务器已收到")
    card = page.locator("#todays-bookings li", has_text="待审批的会")
    expect(card).to_contain_text("待审批")
    expect(card.locator("button.tick:visible")).to_have_count(0)

    desk = new_page(DESKTOP)
    sign_in(desk, "super1")
    desk.goto("/rooms/grid")
    grid = desk.locator("#room-grid")
    # The demo's week runs from two days ago; the grid shows this week, Monday first.
    today = room["today"]
    monday = today - timedelta(days=today.weekday())
    shown = [d for d in range(-2, 5) if 0 <= (today + timedelta(days=d) - monday).days < 7]
    # 长江厅 has two meetings a day in the demo.
    expect(grid.locator("tbody tr", has_text="长江厅").locator("a.slot")).to_have_count(
        2 * len(shown)
    )
    expect(grid).to_contain_text("季度经营分析会")
    # The keys that page it are shown as keys.
    keys = grid.locator(".pager kbd")
    expect(keys).to_have_text(["[", "t", "]"])
    assert keys.first.evaluate("key => getComputedStyle(key).borderBottomWidth") == "2px"
    # Paging by key follows the address.
    desk.keyboard.press("]")
    expect(desk).to_have_url(re.compile(r"view=week&day="))
    desk.keyboard.press("t")
    expect(grid.locator("a.slot", has_text="待审批的会")).to_have_count(1)

    desk.goto("/rooms/queue")
    row = desk.locator("#approval-queue tr", has_text="待审批的会")
    row.get_by_role("button", name="批准").click()
    expect(desk.locator("#main .flash")).to_contain_text(
        f"已批准：“待审批的会”，{room['name']}，{room['today']:%m-%d} 16:00–17:00。"
    )
    expect(desk.locator("#approval-queue")).not_to_contain_text("待审批的会")

    page.reload()
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED)
    card = page.locator("#todays-bookings li", has_text="待审批的会")
    expect(card).to_contain_text("已批准")
    expect(card.locator("button.tick:visible")).to_have_count(4)
    expect(card).to_contain_text("恢复检查")


def test_a_booking_that_no_longer_stands_offers_no_work_and_an_offline_tick_on_it_is_refused(
    tablet, live_server, room
):
    now = datetime.now(ZoneInfo(room["zone"])).replace(second=0, microsecond=0)
    ended = confirmed_booking(live_server, room, time(7), time(8, 30), "早班会")
    ending = (now - timedelta(minutes=20)).time(), (now + timedelta(minutes=10)).time()
    confirmed_booking(live_server, room, *ending, "快结束的会")
    doomed = confirmed_booking(live_server, room, time(12), time(13), "要取消的会")
    absent = (now - timedelta(minutes=30)).time(), (now + timedelta(minutes=60)).time()
    confirmed_booking(live_server, room, *absent, "没人来的会")
    confirmed_booking(live_server, room, time(14), time(15), "已取消的会", cancelled=True)
    page = tablet("floor1")
    # The page's own first sync ends with the colleagues' PINs: none is in flight after.
    with page.expect_response("**/handover/pins"):
        page.goto("/rooms/")
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED)
    cards = page.locator("#todays-bookings li")
    cancelled = cards.filter(has_text="已取消的会")
    expect(cancelled).to_contain_text("已取消")
    expect(cancelled.locator(".task")).to_have_count(0)
    # Setup work past its time is overdue, as patrol areas are; work still to come is not.
    early = cards.filter(has_text="早班会")
    expect(early.locator(".task.overdue button.tick:visible")).to_have_count(6)
    expect(early.locator(".task.overdue").first).to_contain_text("逾期")
    expect(cards.filter(has_text="要取消的会").locator(".task.overdue")).to_have_count(0)
    # The restore check is offered from the meeting's booked end, of bookings that stand.
    restore = page.locator("#task_id option", has_text=room["name"])
    expect(restore).to_have_text([f"07:00–08:30 · {room['name']} · 早班会"])

    page.context.set_offline(True)
    doomed_card = cards.filter(has_text="要取消的会")
    doomed_card.get_by_role("button", name="按要求布置会场").click()
    expect(doomed_card).to_contain_text("我（待同步）")
    restore_form = page.locator("#restore-check")
    restore_form.get_by_label("会议", exact=True).select_option(label=restore.first.inner_text())
    restore_form.get_by_role("button", name="保存恢复检查").click()
    expect(page.locator("#restore-result")).to_have_text("已保存在本设备，网络恢复后自动发送。")
    # A no-show marked here ends the booking's work at once, before it syncs.
    absent_card = cards.filter(has_text="没人来的会")
    expect(absent_card.locator("button.tick:visible")).to_have_count(6)
    absent_card.get_by_role("button", name="联系人未到：标记未到场").click()
    expect(absent_card.locator(".task")).to_have_count(0)
    expect(page.locator("#sync-chip")).to_contain_text("3 条待同步")
    # The office cancels the meeting before the tablet is back online.
    cancel_booking(live_server, doomed)

    page.context.set_offline(False)
    expect(doomed_card.locator(".state")).to_have_text("已取消")
    # Of its work, only the tick the server refused is left, saying why.
    expect(doomed_card.locator(".task")).to_have_count(1)
    refused = doomed_card.locator(".task-refused")
    expect(refused).to_have_text("✗ 按要求布置会场 · 被拒绝：该预订已取消或不再有效")
    expect(doomed_card.locator("button.tick:visible")).to_have_count(0)
    expect(absent_card.locator(".state")).to_have_text("未到场")
    expect(absent_card.locator(".task")).to_have_count(0)
    expect(page.locator("#restore-result")).to_have_text("服务器已收到恢复检查。")
    page.locator("#sync-chip").click()
    expect(page.locator("#queue-refused li")).to_contain_text("该预订已取消或不再有效")
    page.locator("#sync-queue [data-close]").click()
    with live_server.app.app_context():
        ticked = db.session.scalars(
            select(BookingTask.booking_id).join(TaskTick, TaskTick.task_id == BookingTask.id)
        ).all()
        assert doomed not in ticked and ended in ticked

    # When the next meeting's booked end comes, its restore check is offered.
    page.clock.run_for("11:00")
    expect(restore).to_have_text(
        [f"{ending[0]:%H:%M}–{ending[1]:%H:%M} · {room['name']} · 快结束的会"]
    )
