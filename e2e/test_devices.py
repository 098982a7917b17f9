"""The office names a tablet, revokes it after confirming with a reason, and a browser
that signs in again stays one device."""

import uuid

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Device
from e2e.support import (
    DESKTOP,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    open_user_menu,
    sign_in,
)

MIN_TOUCH_PX = 44


def device_id_of(page: Page) -> uuid.UUID:
    return uuid.UUID(page.evaluate("localStorage.getItem('kefu.deviceId')"))


def sign_out(page: Page) -> None:
    """Sign out through the user menu, even while the tablet is still caching its pages:
    a reply already on its way signs nobody back in."""
    open_user_menu(page)
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("用户名")).to_be_visible()


def device_row(page: Page, device_id: uuid.UUID):
    return page.locator("tbody tr", has_text=str(device_id)[:8])


def office_and_a_tablet(new_page, viewport) -> tuple[Page, Page, uuid.UUID]:
    """The office's device list in ``viewport``, and guard1 signed in on a tablet."""
    tablet = new_page(TABLET_PORTRAIT)
    sign_in(tablet, "guard1")
    page = new_page(viewport)
    sign_in(page, "office1")
    page.goto("/admin/devices")
    return page, tablet, device_id_of(tablet)


def open_revoke(page: Page, device_id: uuid.UUID) -> None:
    device_row(page, device_id).get_by_role("button", name="停用").click()
    expect(page.get_by_label("原因")).to_be_focused()


def test_a_browser_signing_in_again_as_anyone_stays_one_device(new_page, live_server):
    page = new_page(TABLET_PORTRAIT)
    sign_in(page, "floor1")
    device_id = device_id_of(page)
    sign_out(page)
    sign_in(page, "guard1")
    sign_out(page)
    sign_in(page, "floor1")
    assert device_id_of(page) == device_id
    with live_server.app.app_context():
        device = db.session.get(Device, device_id)
        assert device.user.username == "floor1"
        assert db.session.scalar(select(func.count()).where(Device.id == device_id)) == 1


def test_office_names_a_tablet_in_the_list(new_page, live_server):
    page, _tablet, device_id = office_and_a_tablet(new_page, DESKTOP)
    device_row(page, device_id).get_by_role("button", name="重命名").click()
    name = page.get_by_label("设备名称")
    expect(name).to_be_focused()
    name.fill("1号门岗平板")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    row = device_row(page, device_id)
    expect(row).to_contain_text("1号门岗平板")
    expect(row).to_contain_text("李保安 (guard1)")
    with live_server.app.app_context():
        assert db.session.get(Device, device_id).name == "1号门岗平板"


def test_office_revokes_a_tablet_after_confirming_with_a_reason(new_page, live_server):
    page, tablet, device_id = office_and_a_tablet(new_page, DESKTOP)
    open_revoke(page, device_id)
    panel = page.locator("#device-action")
    expect(panel).to_contain_text("停用后无法恢复")
    expect(panel).to_contain_text("尚未同步的改动将永远不会到达服务器")
    # Without a reason nothing happens but the field being marked.
    with page.expect_navigation():
        page.get_by_role("button", name="确认停用").click()
    expect(page.get_by_label("原因")).to_have_attribute("aria-invalid", "true")
    with live_server.app.app_context():
        assert not db.session.get(Device, device_id).revoked
    page.get_by_label("原因").fill("平板丢失")
    with page.expect_navigation():
        page.get_by_role("button", name="确认停用").click()
    expect(device_row(page, device_id)).to_contain_text("原因：平板丢失")
    with live_server.app.app_context():
        assert db.session.get(Device, device_id).revoked_reason == "平板丢失"
    tablet.goto("/")
    expect(tablet.get_by_role("heading", level=1)).to_have_text("登录")
    # A revoked tablet says so, and offers no sign-in that could only be refused.
    expect(tablet.get_by_role("alert")).to_have_text("此设备已停用，请联系客服中心。")
    expect(tablet.locator("#login-form")).to_have_count(0)
    expect(tablet.get_by_label("用户名")).to_have_count(0)


def test_the_device_list_s_buttons_keep_their_words_on_one_line_on_a_desktop(new_page):
    page, _tablet, device_id = office_and_a_tablet(new_page, DESKTOP)
    open_revoke(page, device_id)
    # A long reason widens its column the most: the table then squeezes the others.
    page.get_by_label("原因").fill("屏幕碎裂，已送修，待更换新平板后再启用。" * 4)
    with page.expect_navigation():
        page.get_by_role("button", name="确认停用").click()
    expect(device_row(page, device_id)).to_contain_text("屏幕碎裂")
    lines = page.evaluate(
        """() => [...document.querySelectorAll('main table button')].map((button) => {
            const text = document.createRange();
            text.selectNodeContents(button);
            return [button.textContent.trim(), text.getClientRects().length];
        })"""
    )
    assert lines and all(count == 1 for _text, count in lines), lines
    assert {"重命名", "停用"} <= {text for text, _count in lines}


def test_the_device_list_and_its_confirmation_are_usable_by_touch(new_page):
    page, _tablet, device_id = office_and_a_tablet(new_page, TABLET_LANDSCAPE)
    open_revoke(page, device_id)
    small = page.evaluate(
        """(min) => [...document.querySelectorAll('main a, main button, main textarea')]
            .filter((el) => el.getBoundingClientRect().height < min)
            .map((el) => el.outerHTML.slice(0, 80))""",
        MIN_TOUCH_PX,
    )
    assert small == []
