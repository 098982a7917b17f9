"""A patrol on a tablet with no network from sign-in onward: the checkpoint scanned with
the camera, two problems with photos, a reload halfway, the round finished and sent once
the network returns; then the office sees it and its two repair tickets with their
photos; eng1 fixes one on a tablet with no network, and the next round verifies it.
The round of eleven items on two screens, and the list by what is due, offline too.

Every wait is for the change itself: the change gone from the tablet's outbox (the server
has it then), a record's new state on the tablet or the server, never the chip's text,
which may still say what it said before the change was counted."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Area, Building, Property, User, areas_at
from app.patrols.demo import add_checklists
from app.patrols.models import ChecklistTemplate, Outcome, PatrolRound
from app.repairs.models import RepairTicket, TicketState
from e2e.support import DESKTOP, TABLET_PORTRAIT, requests_while_offline, sent, sign_in, until
from tests.support import AuthActions, add_annex, png

# Mid-morning, when every scheduled area has a slot running: some are overdue.
pytestmark = pytest.mark.local_time("10:30")

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


# The state of a repair ticket as the tablet holds it.
TICKET_STATE = """async (id) => new Promise((resolve, reject) => {
    const open = indexedDB.open('kefu');
    open.onsuccess = () => {
        const records = open.result.transaction('records').objectStore('records');
        const got = records.get(['repair_ticket', id]);
        got.onsuccess = () => resolve(got.result?.data.state ?? null);
        got.onerror = () => reject(got.error);
    };
    open.onerror = () => reject(open.error);
})"""


def ticket_on_tablet(page: Page, ticket_id, state: str) -> None:
    """Wait until the tablet holds the ticket in ``state``, pulled from the server."""
    check = f"async (id) => ({TICKET_STATE})(id).then((state) => state === {state!r})"
    until(page, check, str(ticket_id))


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
    sent(page, "patrols.submit_round@1")
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
    sent(engineer)
    with live_server.app.app_context():
        assert db.session.get(RepairTicket, lighting.id).state is TicketState.FIXED
    # ...and the next round of floor 12 verifies it.
    page.goto("/patrols/")
    ticket_on_tablet(page, lighting.id, "fixed")
    page.locator(".patrol-areas a", has_text=FLOOR_12).click()
    ticket = item(page, "照明灯具完好").locator(".item-ticket")
    expect(ticket).to_contain_text(f"维修单 #{lighting.number} 已修复 — 请核实")
    ticket.get_by_role("button", name="已核实").click()
    expect(ticket).to_contain_text("已核实，等待同步")
    sent(page, "repairs.verify@1")
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


FLOOR_7 = "7层办公区"
FLOOR_7_READINGS = ["空调舒适度", "照明光线亮度", "香薰气味浓度"]


def test_a_round_of_eleven_items_all_ok_takes_two_screens_offline(tablet, live_server, floor_12):
    page = tablet("floor1")
    # The page's own sync ends with the colleagues' PINs: none is in flight after.
    with page.expect_response("**/handover/pins"):
        page.goto("/patrols/")
    expect(page.locator(".patrol-areas li", has_text=f"· {FLOOR_7}")).to_have_count(1)
    page.context.set_offline(True)
    received = len(live_server.requests)
    page.locator(".patrol-areas a", has_text=f"· {FLOOR_7}").click()
    expect(page.locator("#round-title")).to_have_text(f"7F · {FLOOR_7}")
    rows = page.locator(".round-item")
    expect(rows).to_have_count(11)
    progress = page.locator("#round-count")
    expect(progress).to_have_text("已查 0 / 11")
    # Note and camera wait for a problem.
    expect(page.locator(".round-item textarea:visible")).to_have_count(0)
    expect(page.locator(".round-item .camera:visible")).to_have_count(0)
    plants = item(page, "植物是否有干枯")
    plants.get_by_role("button", name="异常").click()
    expect(plants.locator("textarea")).to_be_visible()
    expect(plants.locator(".camera")).to_be_visible()
    plants.get_by_role("button", name="正常").click()
    expect(plants.locator("textarea")).to_be_hidden()
    expect(progress).to_have_text("已查 1 / 11")
    # A reading outside its standard is a problem: its note opens, and closes again.
    air = item(page, "空调舒适度")
    air.locator("input[type=number]").fill("29")
    expect(air.locator("textarea")).to_be_visible()
    air.locator("input[type=number]").fill("")
    expect(air.locator("textarea")).to_be_hidden()

    # The rest of the yes/no items in one tap; the readings still want their number.
    page.get_by_role("button", name="其余全部正常").click()
    expect(progress).to_have_text("已查 8 / 11")
    expect(page.get_by_role("button", name="其余全部正常")).to_be_disabled()
    for label in FLOOR_7_READINGS:
        expect(item(page, label)).not_to_have_class(re.compile("answered"))

    # Sent incomplete: the first unanswered item comes into view below the progress
    # line, and every unanswered one is marked.
    page.get_by_role("button", name="提交巡视").click()
    expect(page.locator("#round-result [role=alert]")).to_contain_text("3 项未检查")
    expect(air.locator("input[type=number]")).to_be_focused()
    expect(air).to_be_in_viewport()
    bar = page.locator(".round-progress").bounding_box()
    assert air.bounding_box()["y"] >= bar["y"] + bar["height"] - 1
    marked = page.locator(".round-item:has(fieldset[aria-invalid=true])")
    expect(marked.locator("legend")).to_have_text(FLOOR_7_READINGS)
    expect(page.locator(".round-item .item-missing:visible")).to_have_count(3)
    expect(marked.locator(".item-missing")).to_have_count(3)
    for label, value in READINGS.items():
        item(page, label).locator("input[type=number]").fill(value)
        expect(item(page, label).locator("fieldset")).not_to_have_attribute("aria-invalid", "true")
    expect(progress).to_have_text("已查 11 / 11")
    expect(page.locator(".item-missing:visible")).to_have_count(0)
    expect(page.locator("#round-result [role=alert]")).to_have_count(0)

    # All OK, the whole round fits in two screens; the progress line stays in view.
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2 * TABLET_PORTRAIT["height"], height
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("window.scrollY > 0")
    box = progress.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= TABLET_PORTRAIT["height"]
    expect(progress).to_be_in_viewport()

    page.get_by_role("button", name="提交巡视").click()
    expect(page.locator("#patrol-flash")).to_contain_text("本次巡视已保存在本平板")
    done = page.locator(".patrol-group.done .patrol-areas li", has_text=f"· {FLOOR_7}")
    expect(done).to_contain_text("王楼层")
    assert requests_while_offline(live_server, received) == []
    page.context.set_offline(False)
    sent(page, "patrols.submit_round@1")
    with live_server.app.app_context():
        (record,) = db.session.scalars(
            select(PatrolRound).where(PatrolRound.area_id == area_id(FLOOR_7))
        ).all()
        assert record.problems == 0 and len(record.results) == 11


def labels_of(page: Page) -> list[str]:
    return page.locator(".round-item legend").all_text_contents()


def area_id(name: str) -> int:
    return db.session.scalar(select(Area.id).where(Area.name == name))


@pytest.fixture
def annex(live_server):
    """A second building at the demo property, 副楼 with its 1F 前台, for one test: the
    other tests of the session know the property with one building."""
    building_id = add_annex(live_server.app)
    yield
    with live_server.app.app_context():
        db.session.delete(db.session.get(Building, building_id))
        db.session.commit()


def test_the_patrol_list_is_grouped_by_state_overdue_first_naming_buildings(
    tablet, live_server, floor_12, annex
):
    page = tablet("floor1")
    # The page's own sync ends with the colleagues' PINs: none is in flight after.
    with page.expect_response("**/handover/pins"):
        page.goto("/patrols/")
    page.context.set_offline(True)
    received = len(live_server.requests)
    desk = page.locator(".patrol-areas li", has_text="前台")
    expect(desk.locator(".area-name")).to_have_text("副楼 1F · 前台")
    expect(page.locator(".patrol-areas li", has_text="大堂").locator(".area-name")).to_have_text(
        "主楼 1F · 大堂"
    )
    groups = page.locator(".patrol-group")
    # At 10:30 every scheduled area not walked since its slot began is overdue; 前台 has
    # no schedule yet: still to walk.
    expect(groups.first.locator("h2")).to_have_text(re.compile(r"^逾期（\d+）$"))
    expect(page.locator(".patrol-group.due .patrol-areas li", has_text="前台")).to_have_count(1)
    headings = [heading.split("（")[0] for heading in groups.locator("h2").all_text_contents()]
    assert headings == [g for g in ("逾期", "待巡", "已巡") if g in headings]
    for group in groups.all():
        count = int(re.search(r"（(\d+)）", group.locator("h2").text_content())[1])
        assert group.locator(".patrol-areas li").count() == count
    overdue = page.locator(".patrol-group.overdue .patrol-areas li")
    assert overdue.count() > 0
    assert overdue.count() == page.locator(".patrol-areas li.overdue").count()

    # A round walked offline moves its area to the walked, and the counts with it.
    page.locator(".patrol-areas a", has_text="主楼 9F").click()
    expect(page.locator("#round-title")).to_have_text("主楼 9F · 9层办公区")
    page.get_by_role("button", name="其余全部正常").click()
    for label, value in READINGS.items():
        item(page, label).locator("input[type=number]").fill(value)
    page.get_by_role("button", name="提交巡视").click()
    walked = page.locator(".patrol-group.done .patrol-areas li", has_text="· 9层办公区")
    # In Shanghai time, as the property's clocks read it, on a Chromium that runs on UTC.
    expect(walked.locator(".area-state")).to_have_text(re.compile(r"^已巡 10:3\d 王楼层$"))
    expect(page.locator(".patrol-group.overdue li", has_text="· 9层办公区")).to_have_count(0)
    assert requests_while_offline(live_server, received) == []
    page.context.set_offline(False)
    sent(page, "patrols.submit_round@1")
