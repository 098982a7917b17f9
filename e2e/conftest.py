"""A live Kefu server on a free port, a Chromium that reaches only it, and pages on it."""

from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect

from e2e.support import (
    DESKTOP,
    LOOPBACK_ONLY,
    PACK_CACHED,
    TABLET_PORTRAIT,
    WORKER_READY,
    chromium_path,
    next_local_time,
    serve_demo,
    sign_in,
    write_qr_clip,
)

# The sync chip's time line once a sync has ended (before the first, the chip says 尚未同步).
FIRST_SYNC_OVER = "上次同步"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {**browser_type_launch_args, "args": LOOPBACK_ONLY}
    path = chromium_path()
    if path:
        args["executable_path"] = path
    return args


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = serve_demo(f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'kefu.sqlite3'}")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def local_clock(request, live_server):
    """The server's clock for a module marked ``local_time("09:00")``: moved on to the next
    time the demo property's clocks read that, and running from there, so that a module's
    "today" stays one day however late it runs (a run at 23:59 saw its bookings' day end
    under it). None, and the real clock, for other modules."""
    marker = request.node.get_closest_marker("local_time")
    if marker is None:
        yield None
        return
    with live_server.app.app_context():
        start = next_local_time(marker.args[0])
    with time_machine.travel(start, tick=True) as traveller:
        yield traveller


def on_local_clock(context, local_clock):
    """Set the browser context's clock to the server's when the module runs on a moved one
    (Chromium's own clock stays real: the page's Date and timers are the ones replaced)."""
    if local_clock is not None:
        context.clock.install(time=datetime.now(UTC))
    return context


@pytest.fixture
def new_page(browser, live_server, local_clock):
    """Open a page in a fresh browser context of the given viewport; closes them after."""
    contexts = []

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, **options)
        contexts.append(on_local_clock(context, local_clock))
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def ready_for_offline(page, username: str):
    """Sign ``page`` in as the user and wait until its service worker is in control, the
    user's offline pages are cached and its first sync is over."""
    sign_in(page, username)
    page.evaluate(WORKER_READY)
    pages = page.evaluate("JSON.parse(document.body.dataset.offlinePages)")
    assert "/" in pages and "/places" in pages
    page.evaluate(PACK_CACHED, pages)
    # The first sync must be over: a page taken offline in the middle of it still has
    # requests on their way, and the server would log them as sent while offline.
    expect(page.locator("#sync-chip")).to_contain_text(FIRST_SYNC_OVER, timeout=15_000)
    return page


@pytest.fixture
def tablet(new_page):
    """Open a tablet page signed in as the given user, ready to go offline."""
    return lambda username: ready_for_offline(new_page(TABLET_PORTRAIT), username)


@pytest.fixture
def camera_tablet(playwright, browser_type_launch_args, live_server, local_clock, tmp_path):
    """Open a tablet page signed in as the given user, ready to go offline, in a Chromium
    whose camera shows a QR code of the given text (a browser of its own: the camera's
    picture is fixed when Chromium starts)."""
    browsers = []

    def open_tablet(username: str, qr_text: str):
        clip = write_qr_clip(tmp_path / f"camera-{len(browsers)}.y4m", qr_text)
        camera = [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={clip}",
        ]
        options = browser_type_launch_args
        browser = playwright.chromium.launch(**{**options, "args": [*options["args"], *camera]})
        browsers.append(browser)
        context = browser.new_context(
            viewport=TABLET_PORTRAIT, base_url=live_server.url, permissions=["camera"]
        )
        on_local_clock(context, local_clock)
        return ready_for_offline(context.new_page(), username)

    yield open_tablet
    for browser in browsers:
        browser.close()
