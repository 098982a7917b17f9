"""A shared gate tablet handed over offline: sign-out, a colleague's PIN, both shifts'
entries under their own names, and the office told."""

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.models import User
from e2e.support import DESKTOP, entries_of, open_user_menu, sent, sign_in, write_entry
from sync.tables import flag

PIN = "246810"


def add_guard_with_pin(live_server) -> None:
    """The demo's second guard, guard2 (赵保安), sets a hand-over PIN."""
    with live_server.app.app_context():
        guard = db.session.scalar(select(User).where(User.username == "guard2"))
        guard.set_pin(PIN)
        db.session.commit()


def made_by(live_server, text: str) -> str:
    (entry,) = entries_of(live_server, text)
    with live_server.app.app_context():
        return db.session.get(User, entry.created_by_id).username


def test_a_gate_tablet_is_handed_over_by_pin_while_offline(tablet, new_page, live_server):
    add_guard_with_pin(live_server)
    page = tablet("guard1")
    page.goto("/duty/")
    # The tablet learns its colleagues' PINs when it syncs.
    expect(page.locator("#sync-chip")).to_contain_text("上次同步")

    page.context.set_offline(True)
    write_entry(page, "交班前：东门一切正常")
    open_user_menu(page)
    page.get_by_role("button", name="退出登录").click()
    hand_over = page.locator("#hand-over")
    expect(hand_over).to_be_visible()

    hand_over.get_by_label("您是哪位？").select_option(label="赵保安")
    hand_over.get_by_label("密码").fill("000000")
    hand_over.get_by_role("button", name="接管").click()
    expect(hand_over.locator("[data-pin-message]")).to_have_text("密码错误。")
    expect(page.locator("main")).to_have_attribute("inert", "")

    hand_over.get_by_label("密码").fill(PIN)
    hand_over.get_by_role("button", name="接管").click()
    expect(hand_over).to_be_hidden()
    expect(page.locator("header .user-name")).to_have_text("赵保安")
    write_entry(page, "接班后：3号门有人逗留")
    expect(page.locator("#sync-chip")).to_contain_text("待同步")

    page.context.set_offline(False)
    page.locator("#sync-chip").click()
    page.locator("#sync-queue").get_by_role("button", name="立即同步").click()
    sent(page)
    assert made_by(live_server, "交班前：东门一切正常") == "guard1"
    assert made_by(live_server, "接班后：3号门有人逗留") == "guard2"
    with live_server.app.app_context():
        # Other tests of the session flag other things on the same server.
        reasons = set(db.session.scalars(select(flag.c.reason)))
        assert "offline_hand_over" in reasons

    office = new_page(DESKTOP)
    sign_in(office, "office1")
    office.goto("/sync/problems")
    expect(office.locator("body")).to_contain_text("离线时以密码交接设备")


def try_pin(hand_over, pin: str) -> None:
    hand_over.get_by_label("您是哪位？").select_option(label="赵保安")
    hand_over.get_by_label("密码").fill(pin)
    hand_over.get_by_role("button", name="接管").click()


def test_five_wrong_pins_lock_the_hand_over_until_the_tablet_syncs(tablet, live_server):
    add_guard_with_pin(live_server)
    page = tablet("guard1")
    page.goto("/duty/")
    page.context.set_offline(True)
    open_user_menu(page)
    page.get_by_role("button", name="退出登录").click()
    hand_over = page.locator("#hand-over")
    message = hand_over.locator("[data-pin-message]")
    locked = "密码错误次数过多：请等平板联网后再交接。"
    for attempt in range(1, 6):
        # Cleared first, so that each try's own answer is the one waited for.
        message.evaluate("(line) => { line.textContent = ''; }")
        try_pin(hand_over, "000000")
        expect(message).to_have_text(locked if attempt == 5 else "密码错误。")

    message.evaluate("(line) => { line.textContent = ''; }")
    try_pin(hand_over, PIN)
    expect(message).to_have_text(locked)
    expect(hand_over).to_be_visible()
    expect(page.locator("main")).to_have_attribute("inert", "")

    # Back online, the tablet syncs and ends the session on the server too: a fresh count.
    page.context.set_offline(False)
    expect(page).to_have_url(re.compile("/auth/login"), timeout=15_000)
    sign_in(page, "guard1")
    expect(page.locator("#sync-chip")).to_contain_text("上次同步")
    page.context.set_offline(True)
    open_user_menu(page)
    page.get_by_role("button", name="退出登录").click()
    try_pin(hand_over, "000000")
    expect(message).to_have_text("密码错误。")
    try_pin(hand_over, PIN)
    expect(hand_over).to_be_hidden()
    expect(page.locator("header .user-name")).to_have_text("赵保安")


def test_after_a_hand_over_the_duty_log_lists_the_new_holder_s_own_entries(tablet, live_server):
    add_guard_with_pin(live_server)
    page = tablet("guard1")
    page.goto("/duty/")
    mine = page.locator("#my-entries")
    write_entry(page, "上一班：南门已巡")
    expect(mine.locator("li.synced", has_text="上一班：南门已巡")).to_be_visible()

    page.context.set_offline(True)
    open_user_menu(page)
    page.get_by_role("button", name="退出登录").click()
    try_pin(page.locator("#hand-over"), PIN)
    expect(page.locator("header .user-name")).to_have_text("赵保安")
    write_entry(page, "这一班：北门有快递堆放")
    expect(mine.locator("li.waiting", has_text="这一班：北门有快递堆放")).to_be_visible()
    expect(mine).not_to_contain_text("上一班：南门已巡")

    page.context.set_offline(False)
    page.locator("#sync-chip").click()
    page.locator("#sync-queue").get_by_role("button", name="立即同步").click()
    # Synced, the new holder's entry stays listed as theirs; the first holder's stays out.
    expect(mine.locator("li.synced", has_text="这一班：北门有快递堆放")).to_be_visible()
    expect(mine).not_to_contain_text("上一班：南门已巡")
    assert made_by(live_server, "这一班：北门有快递堆放") == "guard2"
