"""The app opens with the network gone: service worker, offline pack, offline notice."""

import re

from playwright.sync_api import expect

from e2e.support import TABLET_PORTRAIT, WORKER_READY, requests_while_offline, sign_in


def test_the_offline_pack_opens_with_the_network_gone(tablet, live_server):
    page = tablet("floor1")
    page.context.set_offline(True)
    received = len(live_server.requests)

    response = page.reload()
    assert response.from_service_worker
    expect(page.get_by_role("heading", level=1)).to_have_text("楼层客服工作台")
    expect(page.locator("#network-status")).to_have_text(re.compile(r"离线 · 数据更新于 \d\d:\d\d"))

    page.get_by_role("link", name="项目概况").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("项目概况")
    expect(page.get_by_text("会议层")).to_be_visible()

    assert requests_while_offline(live_server, received) == []
    page.context.set_offline(False)
    page.reload()
    expect(page.locator("#network-status")).to_be_hidden()


def test_a_tablet_never_signed_in_shows_the_offline_page_in_chinese(new_page, live_server):
    page = new_page(TABLET_PORTRAIT)
    page.goto("/auth/login")
    page.evaluate(WORKER_READY)
    page.context.set_offline(True)
    received = len(live_server.requests)
    for path in ("/", "/duty/", "/auth/login"):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_text("没有网络")
        expect(page.get_by_role("link", name="重试")).to_be_visible()
    assert requests_while_offline(live_server, received) == []


def test_the_worker_and_manifest_are_served_for_installing(new_page, live_server):
    page = new_page(TABLET_PORTRAIT)
    worker = page.request.get(live_server.url + "/sw.js")
    assert worker.ok and worker.headers["cache-control"] == "no-cache"
    manifest = page.request.get(live_server.url + "/manifest.webmanifest").json()
    assert manifest["name"] == "客服 Kefu" and manifest["display"] == "standalone"
    assert manifest["id"] == "/" and manifest["description"]
    assert "maskable" in [icon.get("purpose") for icon in manifest["icons"]]
    for icon in manifest["icons"]:
        assert page.request.get(live_server.url + icon["src"]).ok


def test_desktop_roles_keep_no_pages_offline(new_page):
    page = new_page()
    sign_in(page, "office1")
    assert page.evaluate("JSON.parse(document.body.dataset.offlinePages)") == []


def test_the_chip_says_not_synced_yet_until_the_first_pull_is_over(new_page):
    page = new_page(TABLET_PORTRAIT)
    # The first pull never arrives: the tablet holds nothing of the server's yet.
    page.context.route("**/sync/pull", lambda route: route.abort("connectionreset"))
    with page.expect_event("requestfailed", lambda request: "/sync/pull" in request.url):
        sign_in(page, "floor1")
    chip = page.locator("#sync-chip")
    expect(chip).to_have_attribute("data-state", "never")
    expect(chip.locator(".chip-state")).to_have_text("尚未同步")

    page.context.unroute("**/sync/pull")
    chip.click()
    page.locator("#sync-queue [data-sync-now]").click()
    expect(page.locator("#sync-queue .queue-status")).to_have_text("同步完成。")
    page.locator("#sync-queue [data-close]").click()
    expect(chip).to_have_attribute("data-state", "synced")
    expect(chip.locator(".chip-state")).to_have_text("全部已同步")
    expect(chip.locator(".chip-time")).to_have_text(re.compile(r"上次同步 \d\d:\d\d"))
