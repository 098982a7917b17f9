"""A live Kefu server on a free port, a Chromium that reaches only it, and pages on it."""

import pytest

from e2e.support import (
    DESKTOP,
    LOOPBACK_ONLY,
    PACK_CACHED,
    TABLET_PORTRAIT,
    WORKER_READY,
    chromium_path,
    serve_demo,
    sign_in,
    write_qr_clip,
)


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


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context of the given viewport; closes them after."""
    contexts = []

    def open_page(viewport=DESKTOP, **options):
        context = browser.new_context(viewport=viewport, base_url=live_server.url, **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def ready_for_offline(page, username: str):
    """Sign ``page`` in as the user and wait until its service worker is in control and
    the user's offline pages are cached."""
    sign_in(page, username)
    page.evaluate(WORKER_READY)
    pages = page.evaluate("JSON.parse(document.body.dataset.offlinePages)")
    assert "/" in pages and "/places" in pages
    page.evaluate(PACK_CACHED, pages)
    return page


@pytest.fixture
def tablet(new_page):
    """Open a tablet page signed in as the given user, ready to go offline."""
    return lambda username: ready_for_offline(new_page(TABLET_PORTRAIT), username)


@pytest.fixture
def camera_tablet(playwright, browser_type_launch_args, live_server, tmp_path):
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
        return ready_for_offline(context.new_page(), username)

    yield open_tablet
    for browser in browsers:
        browser.close()
