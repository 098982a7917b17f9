"""A live Kefu server on a free port, a Chromium that reaches only it, and pages on it."""

import pytest

from app.demo import create_demo
from e2e.support import (
    DESKTOP,
    PACK_CACHED,
    TABLET_PORTRAIT,
    WORKER_READY,
    LiveServer,
    chromium_path,
    sign_in,
)
from tests.support import make_test_app, migrate_database


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    args = {
        **browser_type_launch_args,
        # Chromium otherwise looks up Google's hosts on every start; only loopback is real.
        "args": [
            "--disable-gpu",
            "--disable-quic",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ],
    }
    path = chromium_path()
    if path:
        args["executable_path"] = path
    return args


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'kefu.sqlite3'}"
    migrate_database(database_url)
    app = make_test_app(database_url, TESTING=False)
    with app.app_context():
        create_demo()
    server = LiveServer(app)
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


@pytest.fixture
def tablet(new_page):
    """Open a tablet page signed in as the given user, its service worker in control and
    the user's offline pages cached: ready to go offline."""

    def open_tablet(username: str):
        page = new_page(TABLET_PORTRAIT)
        sign_in(page, username)
        page.evaluate(WORKER_READY)
        pages = page.evaluate("JSON.parse(document.body.dataset.offlinePages)")
        assert "/" in pages and "/places" in pages
        page.evaluate(PACK_CACHED, pages)
        return page

    return open_tablet
