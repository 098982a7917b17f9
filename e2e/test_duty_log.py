"""The duty log on a tablet, online and offline, and in the office."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.extensions import db
from app.models import Device
from e2e.support import (
    DESKTOP,
    PACK_CACHED,
    TABLET_PORTRAIT,
    WORKER_READY,
    entries_of,
    png,
    requests_while_offline,
    sign_in,
    write_entry,
)
from sync.tables import attachment


def test_online_an_entry_reaches_the_server_and_the_office(tablet, new_page, live_server):
    page = tablet("floor1")
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
    row = office.locator("#duty-log-records tr", has_text="在线记录：大堂灯不亮")
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


OUTBOX_SIZE = """async () => new Promise((resolve, reject) => {
    const open = indexedDB.open('kefu');
    open.onsuccess = () => {
        const count = open.result.transaction('outbox').objectStore('outbox').count();
        count.onsuccess = () => resolve(count.result);
        count.onerror = () => reject(count.error);
    };
    open.onerror = () => reject(open.error);
})"""


OUTBOX_PHOTO_COUNTS = """async () => new Promise((resolve, reject) => {
    const open = indexedDB.open('kefu');
    open.onsuccess = () => {
        const all = open.result.transaction('outbox').objectStore('outbox').getAll();
        all.onsuccess = () => resolve(all.result.map((change) => change.args.photo_ids.length));
        all.onerror = () => reject(all.error);
    };
    open.onerror = () => reject(open.error);
})"""


def test_the_tablet_checks_the_servers_rules_before_a_change_is_queued(tablet):
    page = tablet("floor1")
    page.goto("/duty/")
    page.context.set_offline(True)
    text = page.get_by_label("情况记录")
    # maxlength stops typing, but not a value set by script (a restored draft, say).
    text.evaluate("(box) => { box.value = '长'.repeat(2001); }")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#duty-result .form-error")).to_have_text("请填写 1 至 2000 个字。")
    expect(text).to_have_attribute("aria-invalid", "true")
    text.fill("   ")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#duty-result .form-error")).to_have_text("此项为必填项。")
    photos = [
        {"name": f"p{i}.png", "mimeType": "image/png", "buffer": png(40, 30)} for i in range(5)
    ]
    text.fill("五张照片")
    # Taken one by one, as with a camera: each shot adds a thumbnail.
    for photo in photos:
        page.get_by_label("照片").set_input_files([photo])
    capture = page.locator(".photo-capture")
    expect(capture.locator(".thumbs img")).to_have_count(5)
    expect(capture.locator(".photo-count")).to_have_text("5 / 4")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#duty-result .form-error")).to_have_text("最多 4 张照片。")
    assert page.evaluate(OUTBOX_SIZE) == 0
    capture.get_by_role("button", name="移除第 2 张").click()
    expect(capture.locator(".photo-count")).to_have_text("4 / 4")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#my-entries li.waiting", has_text="五张照片")).to_have_count(1)
    assert page.evaluate(OUTBOX_SIZE) == 1
    expect(capture.locator(".thumbs img")).to_have_count(0)
    expect(capture.locator(".photo-count")).to_have_text("0 / 4")
    assert page.evaluate(OUTBOX_PHOTO_COUNTS) == [4]


def test_a_tablet_on_utc_shows_the_propertys_times_and_day(new_page):
    """The demo property keeps Shanghai time; the tablet's own clock says UTC, as CI's does.
    At 07:50 in Shanghai the tablet's calendar is still on the day before."""
    shanghai = datetime.now(ZoneInfo("Asia/Shanghai"))
    morning = shanghai.replace(hour=7, minute=50, second=0, microsecond=0)
    if morning > shanghai:
        morning -= timedelta(days=1)
    page = new_page(TABLET_PORTRAIT, timezone_id="UTC")
    page.context.clock.install(time=morning.astimezone(UTC))
    sign_in(page, "floor1")
    page.evaluate(WORKER_READY)
    page.evaluate(PACK_CACHED, ["/duty/"])
    chip = page.locator("#sync-chip")
    expect(chip.locator(".chip-time")).to_have_text(re.compile(r"上次同步 07:5\d"))
    page.goto("/duty/")
    page.context.set_offline(True)

    write_entry(page, "时区检查：早班")
    row = page.locator("#my-entries li", has_text="时区检查：早班")
    expect(row.locator("time")).to_have_text(re.compile(r"07:5\d"))
    chip.click()
    waiting = page.locator("#queue-waiting li")
    expect(waiting).to_contain_text(re.compile(r"时区检查：早班 · 07:5\d"))
    page.locator("#sync-queue [data-close]").click()

    # 08:10 in Shanghai, the next day on the tablet's UTC calendar: the same day here.
    page.clock.fast_forward("20:00")
    page.reload()
    expect(row.locator("time")).to_have_text(re.compile(r"07:5\d"))
