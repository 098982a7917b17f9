"""A live Kefu server on a free port and a Chromium that reaches only it."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app.demo import create_demo
from tests.conftest import make_test_app, migrate_database

DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"
TABLET_PORTRAIT = {"width": 820, "height": 1180}
TABLET_LANDSCAPE = {"width": 1180, "height": 820}
DESKTOP = {"width": 1440, "height": 900}


def chromium_path() -> str | None:
    """Debian's Chromium when present (these machines), else Playwright's own download."""
    configured = os.environ.get("KEFU_CHROMIUM")
    if configured:
        return configured
    return DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None


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


class LiveServer:
    """The real app served over HTTP in a thread, with a log of the requests it received."""

    def __init__(self, app, port: int = 0):
        self.app = app
        self.requests: list[str] = []
        self._server = make_server("127.0.0.1", port, self._logged(app), threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _logged(self, app):
        def wsgi(environ, start_response):
            self.requests.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}")
            return app(environ, start_response)

        return wsgi

    def stop(self):
        self._server.shutdown()
        self._thread.join()


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
