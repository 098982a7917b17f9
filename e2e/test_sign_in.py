"""Each role signs in on its own device and lands on its own home; bad sign-ins get nowhere."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import Device, Role, User
from e2e.support import DESKTOP, TABLET_LANDSCAPE, TABLET_PORTRAIT, open_user_menu, sign_in

ROLE_DEVICES = [
    ("floor1", TABLET_PORTRAIT, "楼层客服工作台"),
    ("guard1", TABLET_LANDSCAPE, "门岗"),
    ("office1", DESKTOP, "客服中心"),
    ("super1", DESKTOP, "主管工作台"),
    ("eng1", DESKTOP, "工程部工作台"),
    ("admin", DESKTOP, "系统管理"),
]
MIN_TOUCH_PX = 44


def small_touch_targets(page: Page) -> list[str]:
    return page.evaluate(
        """(min) => [...document.querySelectorAll('a, button, input, select')]
            .filter((el) => el.type !== 'hidden' && el.offsetParent !== null)
            .filter((el) => el.getBoundingClientRect().height < min)
            .map((el) => el.outerHTML.slice(0, 80))""",
        MIN_TOUCH_PX,
    )


@pytest.mark.parametrize(("username", "viewport", "title"), ROLE_DEVICES)
def test_each_role_lands_on_its_own_home(new_page, live_server, username, viewport, title):
    page = new_page(viewport)
    sign_in(page, username)
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("header")).to_contain_text("示例大厦")
    if viewport is not DESKTOP:
        assert small_touch_targets(page) == []
    device_id = page.evaluate("localStorage.getItem('kefu.deviceId')")
    with live_server.app.app_context():
        device = db.session.get(Device, uuid.UUID(device_id))
        assert device.user.username == username


def test_login_page_is_usable_by_touch_on_both_tablet_orientations(new_page):
    for viewport in (TABLET_PORTRAIT, TABLET_LANDSCAPE):
        page = new_page(viewport)
        page.goto("/auth/login")
        assert small_touch_targets(page) == []


@pytest.mark.parametrize(
    ("username", "password"), [("floor1", "not-the-password"), ("nobody", "kefu-demo")]
)
def test_wrong_password_or_unknown_user_shows_a_clear_message(new_page, username, password):
    page = new_page(TABLET_PORTRAIT)
    sign_in(page, username, password)
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_missing_csrf_token_shows_a_clear_message(new_page):
    page = new_page(TABLET_PORTRAIT)
    page.goto("/auth/login")
    page.evaluate("document.querySelector('#login-form [name=csrf_token]').remove()")
    page.get_by_label("用户名").fill("floor1")
    page.get_by_label("密码").fill("kefu-demo")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("登录页面已过期")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")


def test_eleventh_wrong_password_within_a_minute_is_refused(new_page, live_server):
    with live_server.app.app_context():
        target = User(username="ratelimit1", display_name="限流测试", role=Role.GUARD)
        target.set_password("right-password")
        target.properties = list(
            db.session.scalars(db.select(User).where(User.username == "guard1")).one().properties
        )
        db.session.add(target)
        db.session.commit()
    page = new_page(TABLET_LANDSCAPE)
    for _ in range(10):
        sign_in(page, "ratelimit1", "wrong-password")
        expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    sign_in(page, "ratelimit1", "right-password")
    expect(page.get_by_role("alert")).to_contain_text("登录失败次数过多")
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")


def test_language_choice_is_remembered(new_page):
    page = new_page(DESKTOP)
    sign_in(page, "super1")
    open_user_menu(page).get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supervisor's desk")
    open_user_menu(page).get_by_role("button", name="Sign out").click()
    sign_in_page = new_page(DESKTOP)
    sign_in(sign_in_page, "super1")
    expect(sign_in_page.get_by_role("heading", level=1)).to_have_text("Supervisor's desk")
    open_user_menu(sign_in_page).get_by_role("button", name="中文").click()
    expect(sign_in_page.get_by_role("heading", level=1)).to_have_text("主管工作台")
