"""The app opens with the network gone: service worker, offline pack, offline notice."""

import re

from playwright.sync_api import Page, expect

from e2e.conftest import TABLET_PORTRAIT
from e2e.test_sign_in import sign_in

WORKER_READY = """async () => {
  const registration = await navigator.serviceWorker.ready;
  while (registration.active.state !== 'activated') {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  while (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}"""
PACK_CACHED = """async (pages) => {
  for (;;) {
    for (const name of await caches.keys()) {
      if (!name.startsWith('kefu-pages-')) continue;
      const cache = await caches.open(name);
      const held = (await cache.keys()).map((request) => new URL(request.url).pathname);
      if (pages.every((page) => held.includes(page))) return held;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}"""


# Fetched by Chromium itself, not by the app: its check for a new service worker, its
# read of the web manifest and its favicon fetches bypass the offline emulation (a real
# tablet's would fail).
BROWSER_OWN_REQUEST = re.compile(
    r"GET (/sw\.js|/manifest\.webmanifest|/favicon\.ico|/static/dist/icon\.[0-9a-f]+\.svg)"
)


def requests_while_offline(live_server, since: int) -> list[str]:
    """What the app sent while offline: nothing, if it works offline."""
    return [r for r in live_server.requests[since:] if not BROWSER_OWN_REQUEST.fullmatch(r)]


def signed_in_tablet(new_page, username="floor1") -> Page:
    page = new_page(TABLET_PORTRAIT)
    sign_in(page, username)
    page.evaluate(WORKER_READY)
    pages = page.evaluate("JSON.parse(document.body.dataset.offlinePages)")
    assert "/" in pages and "/places" in pages
    page.evaluate(PACK_CACHED, pages)
    return page


def test_the_offline_pack_opens_with_the_network_gone(new_page, live_server):
    page = signed_in_tablet(new_page)
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


def test_the_worker_and_manifest_are_served_for_installing(new_page, live_server):
    page = new_page(TABLET_PORTRAIT)
    worker = page.request.get(live_server.url + "/sw.js")
    assert worker.ok and worker.headers["cache-control"] == "no-cache"
    manifest = page.request.get(live_server.url + "/manifest.webmanifest").json()
    assert manifest["name"] == "客服 Kefu" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        assert page.request.get(live_server.url + icon["src"]).ok


def test_desktop_roles_keep_no_pages_offline(new_page):
    page = new_page()
    sign_in(page, "office1")
    assert page.evaluate("JSON.parse(document.body.dataset.offlinePages)") == []
