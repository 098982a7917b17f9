"""A patrol on a tablet with no network from sign-in onward: the checkpoint scanned with
the camera, two problems with photos, a reload halfway, the round finished and sent once
the network returns; then the office sees it and its two repair tickets with their
photos; eng1 fixes one on a tablet with no network, and the next round verifies it."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Property, User, areas_at
from app.patrols.demo import add_checklists
from app.patrols.models import ChecklistTemplate, Outcome, PatrolRound
from app.repairs.models import RepairTicket, TicketState
from e2e.support import DESKTOP, requests_while_offline, sign_in
from tests.support import AuthActions, png

SYNCED = "全部已同步"
FLOOR_12 = "12层办公区"
READINGS = {"空调舒适度": "24", "照明光线亮度": "420", "香薰气味浓度": "2.5"}
PROBLEMS = {"照明灯具完好": "电梯厅筒灯不亮", "植物是否有干枯": "前台绿植干枯"}


@pytest.fixture(scope="module")
def floor_12(live_server) -> dict:
    """The demo's checklists, once per server; floor 12's id and checkpoint code."""
    with live_server.app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        if db.session.scalar(select(ChecklistTemplate.id).limit(1)) is None:
            add_checklists(prop)
            db.session.commit()
        area = db.session.scalar(areas_at(prop.id).where(Area.name == FLOOR_12))
        return {"id": area.id, "code": area.checkpoint_code}


def item(page: Page, label: str):
    return page.locator(".round-item", has_text=label)


def answer(page: Page, label: str, photos_of: dict | None = None) -> None:
    """Answer one item of the checklist: OK, the reading, or a problem with its photo."""
    row = item(page, label)
    if label in READINGS:
        row.locator("input[type=number]").fill(READINGS[label])
    elif label in PROBLEMS:
        row.get_by_role("button", name="异常").click()
        row.locator("textarea").fill(PROBLEMS[label])
        row.locator("input[type=file]").set_input_files(
            [{"name": "fault.png", "mimeType": "image/png", "buffer": png(2400, 1800)}]
        )
        expect(row.locator(".thumbs img")).to_have_count(1)
    else:
        row.get_by_role("button", name="正常").click()
    expect(row).to_have_class(re.compile("answered"))


def test_a_patrol_offline_from_sign_in_reaches_the_office_with_its_photos(
    camera_tablet, tablet, new_page, live_server, floor_12
):
    page = camera_tablet("floor1", f"kefu-checkpoint:{floor_12['code']}")
    # The page's own first sync ends with the colleagues' PINs: none is in flight after.
    with page.expect_response("**/handover/pins"):
        page.goto("/patrols/")
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED)
    expect(page.locator(".patrol-areas li", has_text=FLOOR_12)).to_have_count(1)

    page.context.set_offline(True)
    received = len(live_server.requests)
    page.get_by_role("button", name="扫描检查点").click()
    expect(page.locator("#round-title")).to_have_text(f"12F · {FLOOR_12}")
    expect(page.locator("#round-scanned")).to_have_text("已扫描检查点：到场已记录。")
    labels = page.locator(".round-item legend").all_text_contents()
    assert set(PROBLEMS) <= set(labels) and set(READINGS) <= set(labels)

    half = len(labels) // 2
    first_half = [label for label in labels[:half] if label not in PROBLEMS] + ["照明灯具完好"]
    for label in first_half:
        answer(page, label)
    # A reading is its value, not a tap: only 不适用 is offered beside it.
    expect(item(page, "空调舒适度").get_by_role("button", name="正常")).to_be_hidden()
    expect(item(page, "空调舒适度").get_by_role("button", name="不适用")).to_be_visible()
    # A reading outside the standard says so at once.
    item(page, "空调舒适度").locator("input[type=number]").fill("29")
    expect(item(page, "空调舒适度").locator(".verdict")).to_contain_text("超出标准")
    item(page, "空调舒适度").locator("input[type=number]").fill("24")
    expect(item(page, "空调舒适度").locator(".verdict")).to_contain_text("在标准内")

    page.reload()
    expect(page.locator("#round-title")).to_have_text(f"12F · {FLOOR_12}")
    expect(page.locator("#round-scanned")).to_have_text("已扫描检查点：到场已记录。")
    lighting = item(page, "照明灯具完好")
    expect(lighting.get_by_role("button", name="异常")).to_have_attribute("aria-pressed", "true")
    expect(lighting.locator("textarea")).to_have_value(PROBLEMS["照明灯具完好"])
    expect(lighting.locator(".thumbs img")).to_have_count(1)
    expect(page.locator(".round-item.answered")).to_have_count(len(first_half))

    page.get_by_role("button", name="提交巡视").click()
    expect(page.locator("#round-result [role=alert]")).to_contain_text("项未检查")
    for label in labels:
        if label not in first_half:
            answer(page, label)
    page.get_by_role("button", name="提交巡视").click()
    expect(page.locator("#patrol-flash")).to_contain_text("本次巡视已保存在本平板")
    expect(page.locator("#sync-chip")).to_contain_text("1 条待同步")
    expect(page.locator(".patrol-areas li", has_text=FLOOR_12)).to_contain_text("王楼层")
    assert requests_while_offline(live_server, received) == []

    page.context.set_offline(False)
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED)
    with live_server.app.app_context():
        (record,) = db.session.scalars(
            select(PatrolRound).where(PatrolRound.area_id == floor_12["id"])
        ).all()
        assert record.scanned and record.problems == 2
        problems = [r for r in record.results if r.outcome is Outcome.PROBLEM]
        assert sorted(r.item.label for r in problems) == sorted(PROBLEMS)
        assert all(len(r.photo_ids) == 1 for r in problems)
        round_id = record.id

    office = new_page(DESKTOP)
    sign_in(office, "office1")
    office.goto(f"/patrols/rounds?area={floor_12['id']}&problems=yes")
    office.get_by_role("link", name=re.compile(r"\d")).first.click()
    expect(office).to_have_url(re.compile(str(round_id)))
    rows = office.locator("#round-results tr.problem")
    expect(rows).to_have_count(2)
    for row in rows.all():
        expect(row.locator("img")).to_have_count(1)
        assert row.locator("img").evaluate("(image) => image.naturalWidth") > 0

    # The office sees the two tickets the round opened, each with its photo.
    with live_server.app.app_context():
        tickets = db.session.scalars(
            select(RepairTicket).where(RepairTicket.source_id == round_id)
        ).all()
        assert sorted(t.category.value for t in tickets) == ["lighting", "plants"]
        lighting = next(t for t in tickets if t.category.value == "lighting")
        ticket_ids = [t.id for t in tickets]
    for ticket_id in ticket_ids:
        office.goto(f"/repairs/desk/{ticket_id}")
        expect(office.locator("main")).to_contain_text(FLOOR_12)
        photo = office.locator("main img").first
        expect(photo).to_be_visible()
        assert photo.evaluate("(image) => image.naturalWidth") > 0

    # The office assigns the lighting to eng1, who fixes it on a tablet with no network...
    assign_to_eng1(live_server.app, lighting.id)
    engineer = tablet("eng1")
    engineer.goto("/repairs/")
    # The chip says 全部已同步 as soon as nothing waits: the ticket shows once pulled.
    ticket_link = engineer.locator(".ticket-link", has_text=f"#{lighting.number}")
    expect(ticket_link).to_be_visible(timeout=20_000)
    engineer.context.set_offline(True)
    ticket_link.click()
    engineer.locator("#move-start button[type=submit]").click()
    expect(engineer.locator("#move-fix")).to_be_visible()
    engineer.locator("#move-fix textarea").fill("已换灯管")
    engineer.locator("#move-fix button[type=submit]").click()
    expect(engineer.locator("#sync-chip")).to_contain_text("2 条待同步")
    engineer.context.set_offline(False)
    expect(engineer.locator("#sync-chip")).to_contain_text(SYNCED)
    with live_server.app.app_context():
        assert db.session.get(RepairTicket, lighting.id).state is TicketState.FIXED
    # ...and the next round of floor 12 verifies it.
    page.goto("/patrols/")
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED)
    page.locator(".patrol-areas a", has_text=FLOOR_12).click()
    ticket = item(page, "照明灯具完好").locator(".item-ticket")
    expect(ticket).to_contain_text(f"维修单 #{lighting.number} 已修复 — 请核实")
    ticket.get_by_role("button", name="已核实").click()
    expect(ticket).to_contain_text("已核实，等待同步")
    expect(page.locator("#sync-chip")).to_contain_text(SYNCED)
    with live_server.app.app_context():
        assert db.session.get(RepairTicket, lighting.id).state is TicketState.VERIFIED


def assign_to_eng1(app, ticket_id) -> None:
    """The office's assignment, as its desk form posts it (app/repairs tests the form)."""
    office = AuthActions(app.test_client())
    office.login("office1")
    with app.app_context():
        version = db.session.get(RepairTicket, ticket_id).version
        engineer_id = db.session.scalar(select(User.id).where(User.username == "eng1"))
    assigned = office.post(
        f"/repairs/desk/{ticket_id}/assign",
        data={"base_version": version, "note": "", "assigned_to_id": engineer_id},
    )
    assert assigned.status_code == 303
