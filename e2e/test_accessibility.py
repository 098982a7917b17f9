"""axe-core on every page of every role, on the sign-in and offline pages, and on the
tablet's menu, queue and every state of its sync chip: no serious or critical violation."""

import pytest
from playwright.sync_api import Page, expect

from e2e.support import (
    ROLES,
    TABLET_PORTRAIT,
    open_axe_page,
    open_user_menu,
    sign_in,
    violations,
    write_entry,
)


def settled(page: Page) -> None:
    """Wait until the device has filled in what it shows from its own data."""
    page.wait_for_load_state("load")
    if page.locator("#sync-chip").count():
        expect(page.locator("#sync-chip .chip-time")).not_to_be_empty()


@pytest.mark.parametrize(("username", "viewport"), ROLES)
def test_every_page_of_every_role_passes_axe(new_page, username, viewport):
    page = open_axe_page(new_page, viewport)
    sign_in(page, username)
    found = []
    links = page.locator("nav.jobs a").evaluate_all("(links) => links.map((a) => a.href)")
    assert links
    for link in links:
        page.goto(link)
        settled(page)
        found += violations(page)
    open_user_menu(page)
    found += violations(page)
    if page.locator("#sync-chip").count():
        page.locator("#sync-chip").click()
        expect(page.locator("#sync-queue")).to_be_visible()
        found += violations(page)
    assert found == []


def test_the_sign_in_and_offline_pages_pass_axe(new_page):
    page = open_axe_page(new_page, TABLET_PORTRAIT)
    found = []
    for path in ("/auth/login", "/offline"):
        page.goto(path)
        found += violations(page)
    assert found == []


def test_the_sync_chip_is_readable_in_every_state(new_page):
    page = open_axe_page(new_page, TABLET_PORTRAIT)
    sign_in(page, "floor1")
    page.goto("/duty/")
    chip = page.locator("#sync-chip")
    expect(chip).to_have_attribute("data-state", "synced")
    found = violations(page, "'header'")

    page.context.set_offline(True)
    write_entry(page, "可读性检查")
    expect(chip).to_have_attribute("data-state", "waiting")
    expect(page.locator("#network-status")).to_be_visible()
    found += violations(page, "'header'")

    page.context.route("**/sync/push", lambda route: route.abort("connectionreset"))
    page.context.set_offline(False)
    expect(chip).to_have_attribute("data-state", "failed")
    found += violations(page, "'header'")
    assert found == []
