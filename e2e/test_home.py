"""The home pages as each role opens them: the tablet's work of the day worked out from
what it holds, right offline and after work done offline; the desk's counts, on its
cached page too."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.demo import add_job_demos
from app.extensions import db
from app.gate.models import PassState, Permit, WorkerPass
from app.models import Property, User, areas_at
from app.patrols.models import PatrolRound, PatrolSchedule
from app.patrols.schedule import Schedule, State, status_at
from app.repairs.models import RepairTicket
from app.rooms.models import HOLDING, Booking, BookingState, BookingTask
from e2e.support import DESKTOP, WORKER_READY, requests_while_offline, serve_demo, sign_in

pytestmark = pytest.mark.local_time("09:00")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own: every job's demo data, which the other modules do not expect."""
    server = serve_demo(f"sqlite:///{tmp_path_factory.mktemp('home') / 'kefu.sqlite3'}")
    yield server
    server.stop()


@pytest.fixture(scope="module", autouse=True)
def demo_data(live_server, local_clock):
    """Every job's demo, made at the module's 09:00, so that its today is the module's;
    the gate's permits are open all day every day, so that an entry is let in whatever
    the day and the hour."""
    with live_server.app.app_context():
        add_job_demos(db.session.scalar(select(Property).where(Property.code == "DEMO")))
        for permit in db.session.scalars(select(Permit)):
            permit.hours = [["00:00", "00:00"]]
            permit.days = list(range(7))
        db.session.commit()


def figure(page: Page, name: str, nth: int = 0):
    return page.locator(f'[data-figure="{name}"]').nth(nth)


def count_of(page: Page, name: str, nth: int = 0):
    return figure(page, name, nth).locator(".figure-count")


DRAFT_KEPT = """async (prefix) => {
  const database = await new Promise((resolve) => {
    const opening = indexedDB.open('kefu');
    opening.onsuccess = () => resolve(opening.result);
  });
  for (;;) {
    const keys = await new Promise((resolve) => {
      const reading = database.transaction('drafts').objectStore('drafts').getAllKeys();
      reading.onsuccess = () => resolve(reading.result);
    });
    if (keys.some((key) => String(key).startsWith(prefix))) return keys;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}"""


def go_offline_and_reload(page: Page, live_server) -> int:
    page.context.set_offline(True)
    received = len(live_server.requests)
    reply = page.reload()
    assert reply.from_service_worker
    return received


def areas_by_state(live_server) -> dict[State, int]:
    """What the server's own rules (app/patrols/schedule.py) say of each area now."""
    with live_server.app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        now = datetime.now(UTC)
        found = {state: 0 for state in State}
        for area in db.session.scalars(areas_at(prop.id)):
            schedules = [
                Schedule(s.every_minutes, s.starts, s.ends, s.effective_from)
                for s in db.session.scalars(
                    select(PatrolSchedule).where(
                        PatrolSchedule.area_id == area.id, PatrolSchedule.current
                    )
                )
            ]
            if not schedules:
                continue
            rounds = db.session.scalars(
                select(PatrolRound.started_at).where(PatrolRound.area_id == area.id)
            ).all()
            found[status_at(schedules, rounds, now, prop.timezone).state] += 1
        return found


def room_tasks_to_do(live_server) -> int:
    """Today's tasks of bookings that hold their room, not yet done, as the server has them."""
    with live_server.app.app_context():
        zone = ZoneInfo(db.session.scalar(select(Property.timezone)))
        today = datetime.now(zone).date()
        since = datetime.combine(today, time(), zone)
        tasks = db.session.scalars(
            select(BookingTask)
            .join(Booking, Booking.id == BookingTask.booking_id)
            .where(
                Booking.state.in_(HOLDING),
                BookingTask.done_at.is_(None),
                BookingTask.due_at >= since,
                BookingTask.due_at < since + timedelta(days=1),
            )
        ).all()
        return len(tasks)


def test_floor_staff_find_the_areas_due_and_the_room_tasks_offline_and_what_they_leave(
    tablet, live_server
):
    states = areas_by_state(live_server)
    assert states[State.OVERDUE] > 0 and states[State.DUE] > 0
    tasks = room_tasks_to_do(live_server)
    assert tasks > 0
    page = tablet("floor1")
    received = go_offline_and_reload(page, live_server)
    expect(count_of(page, "patrols.overdue")).to_have_text(str(states[State.OVERDUE]))
    expect(count_of(page, "patrols.due")).to_have_text(str(states[State.DUE]))
    expect(count_of(page, "rooms.tasks")).to_have_text(str(tasks))
    expect(count_of(page, "drafts")).to_have_text("0")
    # Each overdue area says by how long, and opens its round.
    overdue = figure(page, "patrols.overdue").locator(".figure-lines a").first
    expect(overdue).to_have_text(re.compile(r"· 逾期 \d+ 分钟$"))
    assert re.fullmatch(r"/patrols/#area-\d+", overdue.get_attribute("href"))
    expect(figure(page, "patrols.overdue")).to_have_class(re.compile(r"\balert\b"))
    # The next room task, at its time on the property's clocks (Chromium runs on UTC).
    first_task = figure(page, "rooms.tasks").locator(".figure-lines a").first
    expect(first_task).to_have_text(re.compile(r"^(0[6-9]|1\d):\d\d · "))
    first_text = first_task.inner_text()
    when, room, label, *_late = first_text.split(" · ")

    # A duty-log entry begun and left: a draft on the tablet, which the home names.
    page.goto("/duty/")
    page.get_by_label("情况记录").fill("电梯厅地面有水")
    page.evaluate(DRAFT_KEPT, "duty-entry")
    page.goto("/")
    expect(count_of(page, "drafts")).to_have_text("1")
    left = figure(page, "drafts").locator(".figure-lines a")
    expect(left).to_have_text("值班日志记录")
    assert left.get_attribute("href") == "/duty/"
    # A round begun on an overdue area and left: named by its area, it opens its checklist.
    area_name = overdue.inner_text().split(" · 逾期")[0]
    area_link = overdue.get_attribute("href")
    overdue.click()
    page.locator('#round-items [data-outcome="ok"]').first.click()
    page.evaluate(DRAFT_KEPT, "patrol-round:")
    page.goto("/")
    expect(count_of(page, "drafts")).to_have_text("2")
    begun = figure(page, "drafts").locator(".figure-lines a", has_text="未提交的巡视")
    expect(begun).to_have_text(f"未提交的巡视 · {area_name}")
    assert begun.get_attribute("href") == area_link

    # The next room task ticked offline is no longer to do.
    page.goto("/rooms/")
    booking = page.locator("li.booking", has_text=room)
    booking.locator("button.tick", has_text=f"{label} · {when}").first.click()
    expect(page.locator("#sync-chip")).to_contain_text("1 条待同步")
    page.goto("/")
    expect(count_of(page, "rooms.tasks")).to_have_text(str(tasks - 1))
    expect(first_task).not_to_have_text(first_text)
    assert requests_while_offline(live_server, received) == []


def a_live_pass(live_server) -> tuple[str, str, str]:
    """The number, name and company of a demo worker whose pass is good today."""
    with live_server.app.app_context():
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
        worker = db.session.scalars(
            select(WorkerPass)
            .where(
                WorkerPass.state != PassState.REVOKED,
                WorkerPass.valid_from <= today,
                WorkerPass.valid_until >= today,
            )
            .order_by(WorkerPass.number)
        ).first()
        return f"{worker.number:04d}", worker.name, worker.permit.company


def test_the_guard_finds_the_lists_age_and_who_is_on_site_offline(tablet, live_server):
    number, name, company = a_live_pass(live_server)
    page = tablet("guard1")
    received = go_offline_and_reload(page, live_server)
    # The list came with the first sync, at 09:0x on the property's clocks, not UTC's 01:0x.
    expect(count_of(page, "gate.list_age")).to_have_text(re.compile(r"^09:0\d$"))
    expect(figure(page, "gate.list_age").locator(".figure-lines")).to_contain_text("分钟前")
    expect(count_of(page, "gate.on_site")).to_have_text("0")
    expect(count_of(page, "gate.held")).to_have_text("0")

    page.goto("/gate/")
    page.get_by_label("证号").fill(number)
    page.get_by_role("button", name="查验", exact=True).click()
    page.get_by_role("button", name="登记入场（收副本）").click()
    expect(page.locator("#held-list")).to_contain_text(name)
    page.goto("/")
    expect(count_of(page, "gate.on_site")).to_have_text("1")
    expect(figure(page, "gate.on_site").locator(".figure-lines")).to_have_text(f"{company} · 1 人")
    expect(count_of(page, "gate.held")).to_have_text("1")
    held = figure(page, "gate.held").locator(".figure-lines a")
    expect(held).to_have_text(re.compile(rf"^{number} · {name} · 09:\d\d$"))
    assert held.get_attribute("href") == "/gate/#held-list"
    assert requests_while_offline(live_server, received) == []


def tickets_of_eng1(live_server) -> dict[str, list[RepairTicket]]:
    with live_server.app.app_context():
        eng1 = db.session.scalar(select(User.id).where(User.username == "eng1"))
        tickets = db.session.scalars(
            select(RepairTicket).where(RepairTicket.assigned_to_id == eng1)
        ).all()
        found: dict[str, list[RepairTicket]] = {}
        for ticket in tickets:
            found.setdefault(ticket.state.value, []).append(ticket)
        return found


def test_engineering_counts_its_tickets_by_state_offline_and_a_start_moves_one(tablet, live_server):
    mine = tickets_of_eng1(live_server)
    states = ["reopened", "assigned", "in_progress", "fixed"]
    assert all(mine.get(state) for state in states)
    page = tablet("eng1")
    received = go_offline_and_reload(page, live_server)
    for nth, state in enumerate(states):
        expect(count_of(page, "repairs.mine", nth)).to_have_text(str(len(mine[state])))
    assigned = mine["assigned"][0]
    line = figure(page, "repairs.mine", 1).locator(".figure-lines a").first
    expect(line).to_have_text(re.compile(rf"^#{assigned.number} · "))

    line.click()
    page.locator("#move-start textarea").fill("到场")
    page.locator("#move-start").get_by_role("button", name="开始维修").click()
    expect(page.locator("#sync-chip")).to_contain_text("1 条待同步")
    page.goto("/")
    expect(count_of(page, "repairs.mine", 1)).to_have_text(str(len(mine["assigned"]) - 1))
    expect(count_of(page, "repairs.mine", 2)).to_have_text(str(len(mine["in_progress"]) + 1))
    assert requests_while_offline(live_server, received) == []


def test_the_supervisors_counts_show_on_the_cached_page_offline(new_page, live_server):
    with live_server.app.app_context():
        pending = db.session.scalars(
            select(Booking.id).where(Booking.state == BookingState.PENDING)
        ).all()
    page = new_page(DESKTOP)
    sign_in(page, "super1")
    page.evaluate(WORKER_READY)
    page.reload()  # now through the worker, which keeps the page
    page.context.set_offline(True)
    reply = page.reload()
    assert reply.from_service_worker
    approvals = page.locator(".figure", has_text="待审批的申请")
    expect(approvals.locator(".figure-count")).to_have_text(str(len(pending)))
    assert approvals.locator("a").get_attribute("href") == "/rooms/queue"
    unassigned = page.locator(".figure", has_text="尚未派单的维修单").locator("a")
    assert unassigned.get_attribute("href") == "/repairs/desk?state=open"
    expect(unassigned.locator(".figure-count")).to_have_text(re.compile(r"^[1-9]\d*$"))
