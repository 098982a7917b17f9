"""The duty log on a tablet, online and offline, and in the office."""

import re
import struct
import uuid
import zlib

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from app.duty.models import DutyEntry
from app.extensions import db
from app.models import Device
from e2e.conftest import DESKTOP, TABLET_PORTRAIT
from e2e.test_offline import (
    PACK_CACHED,
    WORKER_READY,
    requests_while_offline,
    signed_in_tablet,
)
from e2e.test_sign_in import sign_in
from sync.tables import attachment


def png(width: int, height: int) -> bytes:
    """A real PNG of one colour, made here so the test needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x20\x80\xc0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def entries_of(live_server, text_prefix: str) -> list[DutyEntry]:
    with live_server.app.app_context():
        return list(
            db.session.scalars(select(DutyEntry).where(DutyEntry.text.startswith(text_prefix)))
        )


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


def test_online_an_entry_reaches_the_server_and_the_office(new_page, live_server):
    page = signed_in_tablet(new_page)
    page.goto("/duty/")
    write_entry(page, "在线记录：大堂灯不亮", photos=1)
    expect(page.locator("#duty-result")).to_contain_text("服务器已收到")
    expect(page.locator("#sync-chip")).to_contain_text("全部已同步")
    expect(page.locator("#my-entries")).to_contain_text("在线记录：大堂灯不亮")
    (entry,) = entries_of(live_server, "在线记录")
    assert len(entry.photo_ids) == 1
    # Named on the device by time-ordered UUIDs, which keep the server's indexes compact.
    assert entry.id.version == uuid.UUID(entry.photo_ids[0]).version == 7
    with live_server.app.app_context():
        # The browser's answer to navigator.storage.persist() reached the office's list.
        assert db.session.get(Device, entry.device_id).storage_persisted is not None

    office = new_page(DESKTOP)
    sign_in(office, "office1")
    office.goto("/duty/review")
    row = office.locator("#duty-entries tr", has_text="在线记录：大堂灯不亮")
    expect(row).to_contain_text("王楼层")
    photo = row.locator("img")
    expect(photo).to_have_count(1)
    assert office.evaluate("(img) => img.naturalWidth", photo.element_handle()) == 1600


def test_twenty_entries_made_offline_survive_a_browser_restart_and_arrive_once(
    browser_type, browser_type_launch_args, live_server, tmp_path
):
    profile = tmp_path / "tablet-profile"

    def open_tablet():
        return browser_type.launch_persistent_context(
            profile, **browser_type_launch_args, viewport=TABLET_PORTRAIT, base_url=live_server.url
        )

    tablet = open_tablet()
    page = tablet.pages[0] if tablet.pages else tablet.new_page()
    sign_in(page, "floor1")
    page.evaluate(WORKER_READY)
    page.evaluate(PACK_CACHED, ["/", "/duty/", "/places"])
    page.goto("/duty/")
    tablet.set_offline(True)
    received = len(live_server.requests)
    for number in range(20):
        write_entry(page, f"离线记录{number:02}", photos=1 if number % 5 == 0 else 0)
        expect(page.locator("#sync-chip")).to_contain_text(f"{number + 1} 条待同步")
    page.reload()
    expect(page.locator("#sync-chip")).to_contain_text("20 条待同步")
    expect(page.locator("#my-entries li.waiting", has_text="离线记录")).to_have_count(20)
    precached_icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    tablet.close()

    tablet = open_tablet()
    page = tablet.pages[0] if tablet.pages else tablet.new_page()
    # Chromium attaches the offline emulation to a service worker once it runs: wake the
    # worker first with a file it serves from its precache, which reaches no server.
    page.goto(precached_icon)
    tablet.set_offline(True)
    received = len(live_server.requests)
    page.goto("/duty/")
    expect(page.locator("#sync-chip")).to_contain_text("20 条待同步")
    assert requests_while_offline(live_server, received) == []
    assert entries_of(live_server, "离线记录") == []

    tablet.set_offline(False)
    expect(page.locator("#sync-chip")).to_contain_text("全部已同步", timeout=15_000)
    expect(page.locator("#my-entries li.synced", has_text="离线记录")).to_have_count(20)
    stored = entries_of(live_server, "离线记录")
    assert sorted(e.text for e in stored) == [f"离线记录{n:02}" for n in range(20)]
    photo_ids = [uuid.UUID(p) for e in stored for p in e.photo_ids]
    assert len(photo_ids) == 4
    with live_server.app.app_context():
        arrived = db.session.scalar(
            select(func.count()).select_from(attachment).where(attachment.c.id.in_(photo_ids))
        )
    assert arrived == 4
    assert page.evaluate("async () => (await indexedDB.databases()).length") >= 1
    tablet.close()
