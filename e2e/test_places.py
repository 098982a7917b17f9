"""The admin sets up a property in a real Chromium, and its checkpoint stickers print."""

import base64
import math
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Area, AreaKind, Building, Property, User, areas_at
from app.places import CHECKPOINT_PREFIX
from e2e.support import DESKTOP, sign_in, violations

JSQR = Path(__file__).resolve().parent.parent / "node_modules" / "jsqr" / "dist" / "jsQR.js"
# What a scanner reads from a picture of the page: jsQR, as the tablets' scanner uses.
DECODE = """async (png) => {
  const image = new Image();
  image.src = 'data:image/png;base64,' + png;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  return jsQR(pixels.data, canvas.width, canvas.height)?.data ?? null;
}"""
STICKERS_PER_SHEET = 6
# htmx copies the old attributes onto the swapped-in list and then settles it: the next
# step waits until it has.
SETTLED = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"


def decoded(page: Page, picture: bytes) -> str | None:
    """The text of the QR code in the picture, read by jsQR inside the page."""
    if not page.evaluate("typeof window.jsQR !== 'undefined'"):
        page.add_script_tag(path=str(JSQR))
    return page.evaluate(DECODE, base64.b64encode(picture).decode())


def in_place(page: Page, name: str, role: str = "button") -> None:
    """Press a button (or link) of the list, and wait until its answer has settled."""
    page.get_by_role(role, name=name, exact=True).click()
    page.wait_for_function(SETTLED)


def admin_page(new_page) -> Page:
    # The injected jsQR and the picture it reads are not ours: the CSP would refuse them.
    page = new_page(DESKTOP, bypass_csp=True)
    sign_in(page, "admin")
    return page


@pytest.fixture
def made_here(live_server):
    """The code of the property the test makes; the admin leaves it afterwards, so that
    the other tests' admin works at the demo property."""
    yield "BJ"
    with live_server.app.app_context():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        admin.properties = [p for p in admin.properties if p.code != "BJ"]
        db.session.commit()


def test_the_admin_sets_up_a_property_and_prints_its_checkpoint_sticker(
    new_page, live_server, made_here
):
    page = admin_page(new_page)
    page.get_by_role("navigation").get_by_role("link", name="项目概况").click()
    page.get_by_role("link", name="添加项目").click()
    page.get_by_label("项目名称").fill("西湖中心")
    page.get_by_label("编码").fill(made_here)
    page.get_by_label("时区").fill("Asia/Shanghai")
    page.get_by_role("button", name="添加项目").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("项目概况")
    expect(page.locator("header .where")).to_have_text("西湖中心")

    # Each form answers in place: the list comes back with the new row.
    page.get_by_label("楼栋名称").fill("A座")
    in_place(page, "添加楼栋")
    expect(page.get_by_role("heading", name="A座", exact=True)).to_be_visible()
    page.get_by_label("楼层名称").fill("B2")
    page.get_by_label("层号").fill("负二")
    in_place(page, "添加楼层")
    expect(page.get_by_label("层号")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("请输入整数")).to_be_visible()
    page.get_by_label("层号").fill("-2")
    in_place(page, "添加楼层")
    expect(page.get_by_role("rowheader", name=re.compile("^B2"))).to_be_visible()
    in_place(page, "在B2添加区域", "link")
    page.get_by_label("区域名称").fill("地下车库")
    page.get_by_label("类型").select_option(label="停车场")
    in_place(page, "添加到B2")
    expect(page.get_by_role("link", name="地下车库", exact=True)).to_be_visible()
    # The form stays open for the next area of the floor.
    expect(page.get_by_label("区域名称")).to_be_focused()
    in_place(page, "重命名B2", "link")
    renaming = page.locator("tbody").get_by_label("楼层名称")
    expect(renaming).to_be_focused()
    renaming.fill("负二层")
    in_place(page, "保存")
    expect(page.get_by_role("rowheader", name=re.compile("^负二层"))).to_be_visible()

    with live_server.app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == made_here))
        assert prop.timezone == "Asia/Shanghai"
        (area,) = db.session.scalars(areas_at(prop.id))
        assert (area.name, area.floor.name, area.floor.level) == ("地下车库", "负二层", -2)
        code = area.checkpoint_code

    page.get_by_role("checkbox", name="勾选地下车库以打印标签").check()
    page.get_by_role("button", name="打印所勾选区域的标签").click()
    sticker = page.locator(".sticker")
    expect(sticker).to_have_count(1)
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    expect(sticker.locator(".sticker-name")).to_have_text("地下车库")
    expect(sticker.locator(".sticker-where")).to_have_text("A座 · 负二层")
    assert decoded(page, sticker.screenshot()) == CHECKPOINT_PREFIX + code
    assert decoded(page, page.screenshot(full_page=True)) == CHECKPOINT_PREFIX + code


def test_a_whole_building_prints_six_stickers_to_an_a4_sheet(new_page, live_server):
    page = admin_page(new_page)
    with live_server.app.app_context():
        building = db.session.scalar(select(Building).where(Building.name == "主楼"))
        count = len(list(db.session.scalars(areas_at(building.property_id))))
    page.goto("/places")
    page.get_by_role("link", name="主楼的标签").click()
    expect(page.locator(".sticker svg")).to_have_count(count)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    sheets = len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))
    assert sheets == math.ceil(count / STICKERS_PER_SHEET)


def test_the_pages_of_places_pass_axe_with_their_forms_open(new_page, live_server):
    """Beyond the list the navigation leads to: each form open in place, the area's page
    with its confirmation, the property's form and the stickers."""
    page = admin_page(new_page)
    with live_server.app.app_context():
        lobby = db.session.scalar(select(Area).where(Area.name == "大堂"))
        # One of its own, which no record of an earlier test refers to: it may be removed.
        spare = Area(name="axe 检查区", kind=AreaKind.OTHER, floor=lobby.floor)
        db.session.add(spare)
        db.session.commit()
        floor_id, area_id, spare_id = lobby.floor_id, lobby.id, spare.id
    found = []
    for path, opened in [
        (f"/places/area/in/{floor_id}", "添加到1F"),
        (f"/places/floor/{floor_id}/edit", "保存"),
        (f"/places/area/{spare_id}/remove", "确认删除"),
        (f"/places/areas/{area_id}/code", "生成新编码"),
        ("/places/property", "保存"),
        ("/places/properties/new", "添加项目"),
        (f"/places/stickers?floor={floor_id}", None),
    ]:
        page.goto(path)
        if opened:
            expect(page.get_by_role("button", name=opened, exact=True)).to_be_visible()
        found += violations(page)
    with live_server.app.app_context():
        db.session.delete(db.session.get(Area, spare_id))
        db.session.commit()
    assert found == []
