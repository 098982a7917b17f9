"""What the browser tests share: the live server, the Chromium to drive, the viewports,
signing in, waiting for the service worker, a camera that shows a QR code, and the duty
log's form and rows."""

import os
import re
import threading
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import segno
from playwright.sync_api import Page
from sqlalchemy import select
from werkzeug.serving import make_server

from app.demo import create_demo
from app.duty.models import DutyEntry
from app.extensions import db
from app.models import Property
from tests.support import make_test_app, migrate_database, png

DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"
TABLET_PORTRAIT = {"width": 820, "height": 1180}
TABLET_LANDSCAPE = {"width": 1180, "height": 820}
DESKTOP = {"width": 1440, "height": 900}
# Every role at the screen it works on.
ROLES = [
    ("floor1", TABLET_PORTRAIT),
    ("guard1", TABLET_LANDSCAPE),
    ("office1", DESKTOP),
    ("super1", DESKTOP),
    # Engineering carry tablets for their repair tickets.
    ("eng1", TABLET_PORTRAIT),
    ("admin", DESKTOP),
]
# Chromium otherwise looks up Google's hosts on every start; only loopback is real.
LOOPBACK_ONLY = [
    "--disable-gpu",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

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


def chromium_path() -> str | None:
    """Debian's Chromium when present (these machines), else Playwright's own download."""
    configured = os.environ.get("KEFU_CHROMIUM")
    if configured:
        return configured
    return DEBIAN_CHROMIUM if Path(DEBIAN_CHROMIUM).exists() else None


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


def serve_demo(database_url: str) -> LiveServer:
    """The app on a freshly migrated database holding the demo data, on a free port."""
    migrate_database(database_url)
    app = make_test_app(database_url, TESTING=False)
    with app.app_context():
        create_demo()
    return LiveServer(app)


def next_local_time(clock_reads: str) -> datetime:
    """The next instant, from now, at which the demo property's clocks read ``clock_reads``
    ("09:00"). Always ahead: a server clock moved back would hand Chromium, whose own clock
    stays real, session cookies that have already expired."""
    zone = ZoneInfo(db.session.scalar(select(Property.timezone).where(Property.code == "DEMO")))
    now = datetime.now(zone)
    then = datetime.combine(now.date(), time.fromisoformat(clock_reads), zone)
    return then if then > now else then + timedelta(days=1)


def write_qr_clip(path: Path, text: str, width: int = 640, height: int = 480) -> Path:
    """A Y4M clip of a QR code of ``text``, for Chromium's fake camera
    (``--use-file-for-fake-video-capture``): black modules on white, centred."""
    code = segno.make(text, error="m")
    modules = code.symbol_size(scale=1)[0]
    scale = (min(width, height) * 5 // 6) // modules
    left, top = (width - modules * scale) // 2, (height - modules * scale) // 2
    luma = bytearray(b"\xeb" * (width * height))
    for row, line in enumerate(code.matrix_iter(scale=scale)):
        start = (top + row) * width + left
        luma[start : start + len(line)] = bytes(0x10 if dark else 0xEB for dark in line)
    chroma = b"\x80" * ((width // 2) * (height // 2) * 2)
    frame = b"FRAME\n" + bytes(luma) + chroma
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 10)
    return path


def requests_while_offline(live_server, since: int) -> list[str]:
    """What the app sent while offline: nothing, if it works offline."""
    return [r for r in live_server.requests[since:] if not BROWSER_OWN_REQUEST.fullmatch(r)]


def sign_in(page: Page, username: str, password: str = "kefu-demo") -> None:
    page.goto("/auth/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    # Returns on the page the form leads to, right or wrong: a caller's next step must
    # not land on the login page as it goes.
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()


def open_user_menu(page: Page):
    """Open the header's user menu (language, sign-out) and return it."""
    menu = page.locator("header details.user-menu")
    if not menu.evaluate("(details) => details.open"):
        menu.locator("summary").click()
    return menu


def write_entry(page: Page, text: str, photos: int = 0) -> None:
    page.get_by_label("情况记录").fill(text)
    if photos:
        page.get_by_label(re.compile("照片")).set_input_files(
            [
                {"name": f"p{i}.png", "mimeType": "image/png", "buffer": png(2400, 1800)}
                for i in range(photos)
            ]
        )
    page.get_by_role("button", name="保存").click()


def entries_of(live_server, text_prefix: str) -> list[DutyEntry]:
    with live_server.app.app_context():
        return list(
            db.session.scalars(select(DutyEntry).where(DutyEntry.text.startswith(text_prefix)))
        )


AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


def violations(page: Page, context: str = "document") -> list[str]:
    """The serious and critical findings of axe on the page (or within ``context``)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        f"() => axe.run({context}, {{resultTypes: ['violations']}})",
    )
    return [
        f"{page.url} {found['id']} ({found['impact']}): "
        + ", ".join(str(node["target"]) for node in found["nodes"])
        for found in results["violations"]
        if found["impact"] in BLOCKING
    ]


def open_axe_page(new_page, viewport) -> Page:
    # The injected axe script is not one of ours: the CSP would refuse it.
    return new_page(viewport, bypass_csp=True)


# Whether the outbox holds no change of the given mutation (of any, given none).
OUTBOX_CLEAR_OF = """async (name) => new Promise((resolve, reject) => {
    const open = indexedDB.open('kefu');
    open.onsuccess = () => {
        const all = open.result.transaction('outbox').objectStore('outbox').getAll();
        all.onsuccess = () => resolve(!all.result.some((change) => !name || change.name === name));
        all.onerror = () => reject(all.error);
    };
    open.onerror = () => reject(open.error);
})"""


def until(page: Page, check: str, arg) -> None:
    """Wait until the page's async ``check(arg)`` holds, the page asking again as its state
    changes, for as long as the test may run (wait_for_function would take the check's
    promise for a true value)."""
    page.evaluate(
        f"""async (arg) => {{
            const check = {check};
            while (!(await check(arg))) await new Promise((wake) => setTimeout(wake, 50));
        }}""",
        arg,
    )


def sent(page: Page, mutation: str | None = None) -> None:
    """Wait until the tablet's outbox holds no change of ``mutation``: the server has it."""
    until(page, OUTBOX_CLEAR_OF, mutation)
