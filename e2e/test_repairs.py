"""Repair tickets on an engineer's tablet, offline, and at the office desk."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import Property, utcnow
from app.repairs.demo import ASSIGN, FIX, START, ticket_with_moves
from app.repairs.models import RepairCategory, RepairTicket, TicketState
from e2e.support import (
    DESKTOP,
    TABLET_PORTRAIT,
    open_axe_page,
    png,
    requests_while_offline,
    sign_in,
    violations,
)

SYNCED = "全部已同步"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def assigned_ticket(live_server, note: str) -> RepairTicket:
    """A ticket a patrol opened on floor 12, which the supervisor assigned to eng1."""
    with live_server.app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        ticket_id = ticket_with_moves(
            prop,
            "12层办公区",
            RepairCategory.LIGHTING,
            note,
            [ASSIGN],
            utcnow() - timedelta(hours=1),
        )
        db.session.commit()
        return db.session.get(RepairTicket, ticket_id)


def test_an_engineer_fixes_a_ticket_offline_and_the_office_sees_every_step(
    tablet, new_page, live_server
):
    ticket = assigned_ticket(live_server, "12 层茶水间筒灯不亮")
    page = tablet("eng1")
    page.goto("/repairs/")
    expect(page.locator("h1")).to_have_text("我的维修单")
    link = page.get_by_role("link", name=re.compile(f"#{ticket.number} · 照明"))
    expect(link).to_be_visible()
    # The list says what is broken, where, and since when.
    expect(link).to_contain_text("12 层茶水间筒灯不亮")
    expect(link).to_contain_text("12层办公区")
    expect(link).to_contain_text("1 小时前")

    page.context.set_offline(True)
    received = len(live_server.requests)
    page.reload()
    link.click()
    detail = page.locator(".ticket-detail")
    expect(detail.locator(".ticket-state strong")).to_have_text("已派")
    expect(detail.locator(".ticket-state em")).to_be_hidden()
    # Chromium runs on UTC: the history's times are the property's (Shanghai) all the same.
    opened = ticket.device_time.astimezone(SHANGHAI).strftime("%m-%d %H:%M")
    expect(detail.locator(".steps li").first).to_contain_text(f"{opened} 待派")
    expect(detail).to_contain_text("陈主管 · 派给刘工程")
    # Only the next step is offered: assigned, the engineer begins.
    expect(page.locator("#move-fix")).to_be_hidden()
    page.locator("#move-start textarea").fill("到场，梯子已备好")
    page.locator("#move-start").get_by_role("button", name="开始维修").click()
    expect(detail.locator(".ticket-state strong")).to_have_text("处理中")
    expect(detail.locator(".ticket-state em")).to_be_visible()
    page.locator("#move-fix textarea").fill("已更换两支灯管")
    page.locator("#move-fix input[type=file]").set_input_files(
        [{"name": "fixed.png", "mimeType": "image/png", "buffer": png(1200, 900)}]
    )
    page.locator("#move-fix").get_by_role("button", name="维修完成").click()
    expect(detail.locator(".ticket-state strong")).to_have_text("已修")
    # The photo of 已修 shows in its step at once, from the tablet itself.
    fixed_step = detail.locator(".steps li", has_text="已更换两支灯管")
    expect(fixed_step.locator("img")).to_have_count(1)
    expect(fixed_step.locator("img")).to_have_js_property("complete", True)
    assert fixed_step.locator("img").evaluate("(img) => img.naturalWidth") > 0
    expect(page.locator("#sync-chip")).to_contain_text("2 条待同步")
    # A reload offline finds the ticket where the engineer left it.
    page.reload()
    expect(page.locator(".ticket-detail .ticket-state")).to_contain_text("已修")
    expect(page.locator(".ticket-group", has_text="已修")).to_contain_text(f"#{ticket.number}")
    assert requests_while_offline(live_server, received) == []
    with live_server.app.app_context():
        assert db.session.get(RepairTicket, ticket.id).state is TicketState.ASSIGNED

    page.context.set_offline(False)
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED, timeout=15_000)
    # The server's copy replaces the device's own: the steps arrived, the photo with them.
    expect(detail.locator(".ticket-state em")).to_be_hidden()
    photo = detail.locator(".steps li", has_text="已更换两支灯管").locator("img")
    expect(photo).to_have_count(1)
    expect(photo).to_have_attribute("src", re.compile("^/attachments/"))
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("(img) => img.naturalWidth") > 0
    expect(page.locator("#move-fix")).to_be_hidden()
    with live_server.app.app_context():
        fixed = db.session.get(RepairTicket, ticket.id)
        assert fixed.state is TicketState.FIXED
        steps = fixed.steps
        assert [s.to_state for s in steps][-2:] == [TicketState.IN_PROGRESS, TicketState.FIXED]
        assert len(steps[-1].photo_ids) == 1

    office = new_page(DESKTOP)
    sign_in(office, "office1")
    office.goto("/repairs/desk?state=fixed")
    office.get_by_role("link", name=f"#{ticket.number}", exact=True).click()
    rows = office.locator("#ticket-steps tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(2)).to_contain_text("到场，梯子已备好")
    expect(rows.nth(3)).to_contain_text("已更换两支灯管")
    expect(rows.nth(3)).to_contain_text("刘工程")
    photo = rows.nth(3).locator("img")
    expect(photo).to_have_count(1)
    # The office verifies the repair from the desk.
    office.locator("#desk-verify").get_by_role("button", name="已核实").click()
    expect(office.locator("h1")).to_contain_text("已核实")


def test_a_ticket_on_the_tablet_and_on_the_desk_passes_axe(new_page, live_server):
    ticket = assigned_ticket(live_server, "电梯厅地面破损")
    found = []
    page = open_axe_page(new_page, TABLET_PORTRAIT)
    sign_in(page, "eng1")
    page.goto("/repairs/")
    page.get_by_role("link", name=re.compile(f"#{ticket.number} · 照明")).click()
    expect(page.locator("#move-start")).to_be_visible()
    found += violations(page)
    desk = open_axe_page(new_page, DESKTOP)
    sign_in(desk, "super1")
    desk.goto(f"/repairs/desk/{ticket.id}")
    expect(desk.locator("#desk-assign")).to_be_visible()
    found += violations(desk)
    desk.goto("/repairs/desk")
    found += violations(desk)
    assert found == []


def test_floor_staff_verify_a_repair_or_reopen_it_with_a_note(tablet, live_server):
    with live_server.app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        moments = utcnow() - timedelta(hours=2)
        checked, doubted = (
            ticket_with_moves(prop, "大堂", category, note, [ASSIGN, START, FIX], moments)
            for category, note in (
                (RepairCategory.GATES, "道闸不抬杆"),
                (RepairCategory.PLANTS, "绿植枯黄"),
            )
        )
        db.session.commit()
        numbers = {t: db.session.get(RepairTicket, t).number for t in (checked, doubted)}
    page = tablet("floor1")
    page.goto("/repairs/")
    page.get_by_role("link", name=re.compile(f"#{numbers[checked]} · ")).click()
    page.locator("#move-verify").get_by_role("button", name="核实维修").click()
    expect(page.locator(".ticket-detail .ticket-state strong")).to_have_text("已核实")
    page.get_by_role("link", name=re.compile(f"#{numbers[doubted]} · ")).click()
    reopen = page.locator("#move-reopen")
    reopen.get_by_role("button", name="重新打开维修单").click()
    # Refused on the device: a reopening says why.
    expect(page.locator("#repair-result .form-error")).to_have_text("此项为必填项。")
    reopen.locator("textarea").fill("叶子仍然发黄")
    reopen.get_by_role("button", name="重新打开维修单").click()
    expect(page.locator(".ticket-detail .ticket-state strong")).to_have_text("重新打开")
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED, timeout=15_000)
    with live_server.app.app_context():
        assert db.session.get(RepairTicket, checked).state is TicketState.VERIFIED
        assert db.session.get(RepairTicket, doubted).state is TicketState.REOPENED
