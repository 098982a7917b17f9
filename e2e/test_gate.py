"""The gate tablet in a real Chromium: a pass scanned from the camera, checks answered
offline from the tablet's copy, the office told after sync; what the tablet and the
exports hold of ID numbers; the printed card; a hand-over between guards; exit passes."""

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.gate.demo import DEMO_PHOTO, DEMO_THUMBNAIL, demo_id_number
from app.gate.issue import issue_pass
from app.gate.models import ExitPass, GateEvent, Permit, WorkerPass
from app.gate.sync import pass_qr
from app.models import Property, User
from e2e.support import (
    DESKTOP,
    TABLET_LANDSCAPE,
    TABLET_PORTRAIT,
    open_user_menu,
    sign_in,
    violations,
)
from tests.support import an_exit_pass, png

ALL_DAY = [["00:00", "00:00"]]
EVERY_DAY = list(range(7))
# Every record the tablet holds, as one JSON text.
DEVICE_RECORDS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('kefu', 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const stores = ['records', 'outbox', 'meta', 'drafts'];
  const all = {};
  for (const name of stores) {
    all[name] = await new Promise((resolve) => {
      const request = db.transaction(name).objectStore(name).getAll();
      request.onsuccess = (event) => resolve(event.target.result);
    });
  }
  db.close();
  return JSON.stringify(all);
}"""
# The QR code in a PNG screenshot, read by jsQR inside the page.
DECODE_PNG = """async (dataUrl) => {
  const image = new Image();
  image.src = dataUrl;
  await image.decode();
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const code = jsQR(pixels.data, pixels.width, pixels.height);
  return code ? code.data : null;
}"""


def crew(live_server, unit: str, workers: int, rng_seed: int = 1, hours=ALL_DAY) -> list[dict]:
    """A permit for ``unit`` open every day (all day unless ``hours`` say otherwise), with
    passes; their numbers, names, QR texts and full ID numbers."""
    import random

    rng = random.Random(rng_seed)
    with live_server.app.app_context():
        prop = db.session.scalar(select(Property).where(Property.code == "DEMO"))
        today = datetime.now(UTC).date()
        permit = Permit(
            property_id=prop.id,
            unit=unit,
            owner="业主",
            company=f"{unit}装修公司",
            foreman="黄师傅",
            foreman_phone="13800000000",
            starts_on=today - timedelta(days=2),
            ends_on=today + timedelta(days=30),
            hours=hours,
            days=EVERY_DAY,
        )
        db.session.add(permit)
        db.session.flush()
        passes = []
        for index in range(workers):
            worker_pass = issue_pass(
                permit,
                (DEMO_PHOTO, "image/jpeg", DEMO_THUMBNAIL),
                name=f"{unit}工人{index + 1}",
                id_number=demo_id_number(rng),
                phone="13900000000",
                trade="木工",
                valid_from=permit.starts_on,
                valid_until=permit.ends_on,
            )
            passes.append(worker_pass)
        db.session.commit()
        return [
            {
                "id": p.id,
                "number": p.number,
                "name": p.name,
                "qr": pass_qr(p),
                "id_number": p.id_number,
            }
            for p in passes
        ]


def open_gate(page: Page) -> None:
    page.goto("/gate/")
    # The list is on the tablet once the first sync has pulled it.
    expect(page.locator("#list-age")).to_contain_text("名单更新于")


def check_number(page: Page, number: int | str) -> None:
    page.get_by_label("证号").fill(str(number))
    page.get_by_role("button", name="查验", exact=True).click()


def answer(page: Page):
    return page.locator("#answer-state")


def sync_now(page: Page) -> None:
    page.locator("#sync-chip").click()
    page.locator("#sync-queue").get_by_role("button", name="立即同步").click()
    expect(page.locator("#sync-chip")).to_contain_text("全部已同步")
    page.locator("#sync-queue").get_by_role("button", name="关闭").click()


def events_of(live_server, pass_id: int) -> list[GateEvent]:
    with live_server.app.app_context():
        return list(
            db.session.scalars(
                select(GateEvent)
                .where(GateEvent.pass_id == pass_id)
                .order_by(GateEvent.device_time)
            )
        )


def made_by(live_server, event: GateEvent) -> str:
    with live_server.app.app_context():
        return db.session.get(User, event.created_by_id).username


def revoke(office: Page, pass_id: int, reason: str) -> None:
    office.goto(f"/gate/passes/{pass_id}")
    office.get_by_label("注销原因").fill(reason)
    office.get_by_role("button", name="注销出入证").click()
    expect(office.locator("h1")).to_contain_text("已注销")


def test_a_scanned_pass_is_let_in_offline_and_a_stale_entry_is_flagged(
    camera_tablet, new_page, live_server
):
    scanned, revoked_later = crew(live_server, "1203室", 2)
    page = camera_tablet("guard1", scanned["qr"])
    open_gate(page)
    page.context.set_offline(True)
    page.get_by_role("button", name="扫码查验").click()
    expect(answer(page)).to_have_text("有效 · 入场")
    expect(page.locator("#answer-fields")).to_contain_text(scanned["name"])
    expect(page.locator("#answer-photo")).to_be_visible()
    page.get_by_role("button", name="登记入场（收副本）").click()
    expect(page.locator("#answer-recorded")).to_contain_text("已登记：入场")
    expect(page.locator("#held-list")).to_contain_text(scanned["name"])

    # While the gate is offline, the office revokes another worker's pass...
    office = new_page(DESKTOP)
    sign_in(office, "office1")
    revoke(office, revoked_later["id"], "已离职")

    # ...whom the gate lets in on its copy, which cannot know yet.
    check_number(page, revoked_later["number"])
    expect(answer(page)).to_have_text("有效 · 入场")
    page.get_by_role("button", name="登记入场（收副本）").click()
    expect(page.locator("#held-list")).to_contain_text(revoked_later["name"])
    page.context.set_offline(False)
    sync_now(page)
    (entry,) = events_of(live_server, revoked_later["id"])
    assert made_by(live_server, entry) == "guard1"
    # The tablet now knows: the same pass is refused with its reason.
    check_number(page, revoked_later["number"])
    expect(answer(page)).to_have_text("有效 · 离场")

    office.goto("/gate/flags")
    row = office.locator("#gate-flags tbody tr").filter(has_text="注销后入场")
    expect(row).to_contain_text(revoked_later["name"])
    expect(row).to_contain_text("李保安")
    expect(row).to_contain_text("已离职")
    # Both times: the device's and the server's.
    cells = row.locator("td")
    assert cells.nth(1).inner_text().strip() and cells.nth(2).inner_text().strip()


def test_refusals_show_why_and_an_override_needs_a_reason(tablet, live_server):
    worker, other = crew(live_server, "1508室", 2, rng_seed=2)
    with live_server.app.app_context():
        db.session.get(WorkerPass, other["id"]).valid_until = datetime.now(UTC).date() - timedelta(
            days=3
        )
        db.session.commit()
    page = tablet("guard1")
    open_gate(page)
    page.context.set_offline(True)
    check_number(page, 99999)
    expect(answer(page)).to_have_text("无此证")
    expect(page.locator("#override-form")).to_be_hidden()
    check_number(page, other["number"])
    expect(answer(page)).to_have_text("已过期")
    expect(page.locator("#check-answer")).to_have_class("answer refused")
    page.get_by_role("button", name="放行（报客服中心）").click()
    expect(page.locator("#override-error")).to_be_visible()
    page.get_by_label("仍要放行：原因？").fill("业主陪同取工具")
    page.get_by_role("button", name="放行（报客服中心）").click()
    expect(page.locator("#answer-recorded")).to_contain_text("已登记")

    check_number(page, worker["number"])
    page.get_by_role("button", name="登记入场（收副本）").click()
    check_number(page, worker["number"])
    expect(answer(page)).to_have_text("有效 · 离场")
    expect(page.locator("#answer-detail")).to_contain_text("副本自")
    page.get_by_role("button", name="不是离场：要入场").click()
    expect(answer(page)).to_have_text("已在场内")
    check_number(page, worker["number"])
    page.get_by_role("button", name="登记离场（还副本）").click()
    expect(page.locator("#held-list")).not_to_contain_text(worker["name"])

    page.context.set_offline(False)
    sync_now(page)
    (override,) = events_of(live_server, other["id"])
    assert override.override_reason == "业主陪同取工具" and override.shown.value == "expired"


def test_no_full_id_number_reaches_a_tablet_or_an_export(tablet, new_page, live_server):
    page = tablet("guard1")
    bodies = []

    def keep_pull(route):
        response = route.fetch()
        # As the tablet reads it: JSON escapes turned back into the characters.
        bodies.append(json.dumps(response.json(), ensure_ascii=False))
        route.fulfill(response=response)

    page.route("**/sync/pull", keep_pull)
    workers = crew(live_server, "2001室", 3, rng_seed=3)
    open_gate(page)
    sync_now(page)
    check_number(page, workers[0]["number"])
    page.get_by_role("button", name="登记入场（收副本）").click()
    sync_now(page)
    assert bodies and any("2001室" in body for body in bodies)
    held = page.evaluate(DEVICE_RECORDS)
    assert workers[0]["name"] in held
    office = new_page(DESKTOP)
    sign_in(office, "office1")
    with office.expect_download() as download:
        office.goto("/gate/events")
        office.get_by_role("link", name="导出表格").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert workers[0]["name"] in exported
    pages = [office.goto(url).text() for url in ("/gate/events", "/gate/permits")]
    for worker in workers:
        masked = worker["id_number"][:6] + "********" + worker["id_number"][14:]
        assert masked in held
        for text in (*bodies, held, exported, *pages):
            assert worker["id_number"] not in text
    # The pass's own office page is the one place that shows it.
    office.goto(f"/gate/passes/{workers[0]['id']}")
    expect(office.locator("#full-id-number")).to_have_text(workers[0]["id_number"])


def test_the_printed_pass_has_both_halves_and_a_qr_code_of_its_token(new_page, live_server):
    (worker,) = crew(live_server, "1801室", 1, rng_seed=4)
    office = new_page(DESKTOP, bypass_csp=True)
    sign_in(office, "office1")
    office.goto(f"/gate/passes/{worker['id']}/print")
    office.emulate_media(media="print")
    expect(office.locator("header.topbar")).to_be_hidden()
    sheet = office.locator(".pass-sheet")
    expect(sheet.locator(".pass-card")).to_have_count(2)
    expect(sheet).to_contain_text("正本")
    expect(sheet).to_contain_text("副本")
    shot = sheet.screenshot()
    office.add_script_tag(path="node_modules/jsqr/dist/jsQR.js")
    for card in sheet.locator(".pass-card").all():
        qr = card.locator(".pass-qr").screenshot()
        decoded = office.evaluate(
            DECODE_PNG, "data:image/png;base64," + base64.b64encode(qr).decode()
        )
        assert decoded == worker["qr"]
    # Side by side, card-sized (85.6 mm = 323 CSS px), on one sheet.
    original, duplicate = (card.bounding_box() for card in sheet.locator(".pass-card").all())
    assert original["y"] == duplicate["y"] and duplicate["x"] >= original["x"] + original["width"]
    assert abs(original["width"] - 323.5) < 2
    Path("test-results").mkdir(exist_ok=True)
    Path("test-results/gate-pass-print.png").write_bytes(shot)


def test_guards_hand_the_gate_tablet_over_offline_and_the_duplicates_stay(tablet, live_server):
    first, second = crew(live_server, "0902室", 2, rng_seed=5)
    with live_server.app.app_context():
        guard2 = db.session.scalar(select(User).where(User.username == "guard2"))
        guard2.set_pin("135790")
        db.session.commit()
    page = tablet("guard1")
    open_gate(page)
    expect(page.locator("#sync-chip")).to_contain_text("上次同步")
    page.context.set_offline(True)
    check_number(page, first["number"])
    page.get_by_role("button", name="登记入场（收副本）").click()
    expect(page.locator("#held-list")).to_contain_text(first["name"])

    open_user_menu(page)
    page.get_by_role("button", name="退出登录").click()
    hand_over = page.locator("#hand-over")
    hand_over.get_by_label("您是哪位？").select_option(label="赵保安")
    hand_over.get_by_label("密码").fill("135790")
    hand_over.get_by_role("button", name="接管").click()
    expect(hand_over).to_be_hidden()
    # The next shift finds the duplicates the last one took in.
    expect(page.locator("#held-list")).to_contain_text(first["name"])
    check_number(page, second["number"])
    page.get_by_role("button", name="登记入场（收副本）").click()
    check_number(page, first["number"])
    page.get_by_role("button", name="登记离场（还副本）").click()
    expect(page.locator("#held-list")).to_contain_text(second["name"])
    expect(page.locator("#held-list")).not_to_contain_text(first["name"])

    page.context.set_offline(False)
    sync_now(page)
    entry, exit_ = events_of(live_server, first["id"])
    (other,) = events_of(live_server, second["id"])
    assert [made_by(live_server, e) for e in (entry, exit_, other)] == [
        "guard1",
        "guard2",
        "guard2",
    ]


def test_an_exit_pass_releases_its_items_once(tablet, live_server):
    exit_id = an_exit_pass(live_server.app)
    with live_server.app.app_context():
        number = db.session.get(ExitPass, exit_id).number
    page = tablet("guard1")
    open_gate(page)
    page.context.set_offline(True)
    check_number(page, f"X{number}")
    expect(answer(page)).to_have_text("有效 · 物品放行")
    # An exit pass has no ID number: its label is left out with it, like every empty field.
    expect(page.locator("#answer-fields dt:visible")).to_have_count(4)
    for value in page.locator("#answer-fields dd:visible").all_inner_texts():
        assert value.strip()
    page.get_by_role("button", name="登记物品放行").click()
    check_number(page, f"X{number}")
    expect(answer(page)).to_have_text("出门凭证已使用")
    expect(page.get_by_role("button", name="登记物品放行")).to_be_hidden()
    page.context.set_offline(False)
    sync_now(page)
    with live_server.app.app_context():
        (release,) = db.session.scalars(select(GateEvent).where(GateEvent.exit_pass_id == exit_id))
        assert release.shown.value == "valid_release"


SET_SYNCED_AT = """async (moment) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('kefu', 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve) => {
    const tx = db.transaction('meta', 'readwrite');
    tx.objectStore('meta').put(moment, 'lastSyncAt');
    tx.oncomplete = resolve;
  });
  db.close();
  document.dispatchEvent(new CustomEvent('kefu:changed'));
}"""


def test_a_list_past_its_staleness_limit_warns_and_marks_each_check(tablet, live_server):
    (worker,) = crew(live_server, "0605室", 1, rng_seed=6)
    page = tablet("guard1")
    open_gate(page)
    page.context.set_offline(True)
    # The page opens with the network gone, from the tablet's offline pack.
    page.reload()
    expect(page.locator("#list-age")).to_contain_text("名单更新于")
    expect(page.locator("#stale-warning")).to_be_hidden()
    thirteen_hours_ago = page.evaluate("Date.now() - 13 * 3600 * 1000")
    page.evaluate(SET_SYNCED_AT, thirteen_hours_ago)
    expect(page.locator("#stale-warning")).to_be_visible()
    expect(page.locator("#stale-warning")).to_contain_text("12 小时")
    expect(page.locator("#list-age")).to_contain_text("13 小时前")
    check_number(page, worker["number"])
    expect(page.locator("#answer-detail")).to_contain_text("名单已过期时查验")
    page.get_by_role("button", name="登记入场（收副本）").click()
    page.context.set_offline(False)
    sync_now(page)
    (entry,) = events_of(live_server, worker["id"])
    assert entry.stale and entry.list_synced_at is not None


def test_the_office_issues_a_pass_with_a_photo_from_the_form(new_page, live_server):
    (first,) = crew(live_server, "1102室", 1, rng_seed=7)
    with live_server.app.app_context():
        permit_id = db.session.get(WorkerPass, first["id"]).permit_id
    office = new_page(DESKTOP)
    sign_in(office, "office1")
    office.goto(f"/gate/permits/{permit_id}")
    form = office.locator("form[data-pass-form]")
    form.get_by_label("姓名").fill("钱海涛")
    form.get_by_label("身份证号").fill("11010519491231002x")
    form.get_by_label("电话").fill("13600000000")
    form.get_by_label("工种").fill("油漆工")
    form.get_by_label("照片（拍照或选择文件）").set_input_files(
        {"name": "face.png", "mimeType": "image/png", "buffer": png(800, 1000)}
    )
    # The tablets' small copy is made in the browser before the form is sent.
    expect(form.locator("[data-thumbnail]")).to_have_value(re.compile("^data:image/jpeg;base64,"))
    form.get_by_role("button", name="办理出入证").click()
    expect(office.locator("#full-id-number")).to_have_text("11010519491231002X")
    with live_server.app.app_context():
        worker_pass = db.session.scalar(select(WorkerPass).where(WorkerPass.name == "钱海涛"))
        assert worker_pass.photo.content_type == "image/png"
        assert len(worker_pass.photo.thumbnail) < 60_000


def test_the_gate_pages_with_their_records_pass_axe(new_page, live_server):
    worker, revoked = crew(live_server, "1909室", 2, rng_seed=8)
    exit_id = an_exit_pass(live_server.app)
    guard = new_page(TABLET_LANDSCAPE, bypass_csp=True)
    sign_in(guard, "guard1")
    open_gate(guard)
    found = []
    for number in (worker["number"], 99999):
        check_number(guard, number)
        expect(answer(guard)).not_to_be_empty()
        found += violations(guard)
    office = new_page(DESKTOP, bypass_csp=True)
    sign_in(office, "office1")
    revoke(office, revoked["id"], "退场")
    with live_server.app.app_context():
        permit_id = db.session.get(WorkerPass, worker["id"]).permit_id
    for url in (
        "/gate/permits",
        f"/gate/permits/{permit_id}",
        f"/gate/passes/{worker['id']}",
        f"/gate/passes/{worker['id']}/print",
        "/gate/exit-passes",
        f"/gate/exit-passes/{exit_id}",
        "/gate/events",
        "/gate/flags",
        "/gate/settings",
    ):
        office.goto(url)
        found += violations(office)
    assert found == []


# The demo property's clocks: Chromium runs on UTC in these tests, eight hours behind.
SHANGHAI = ZoneInfo("Asia/Shanghai")
# The scan button's top, and whether the placeholder fits the number input's box.
SCAN_BUTTON_TOP = "() => document.querySelector('#gate-scanner .scan').getBoundingClientRect().top"
PLACEHOLDER_FITS = """() => {
  const input = document.querySelector('#pass-number');
  const style = getComputedStyle(input);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return context.measureText(input.placeholder).width <= room;
}"""


def hours_from(moment: datetime, start_in: int, length: int = 2) -> list[list[str]]:
    """Working hours starting ``start_in`` hours after ``moment``'s hour, on the property's
    clocks (past midnight they run on into the next day)."""
    start = (moment.hour + start_in) % 24
    return [[f"{start:02d}:00", f"{(start + length) % 24:02d}:00"]]


def test_the_gate_page_on_a_tablet_answers_on_the_propertys_clock(tablet, live_server):
    now = datetime.now(SHANGHAI)
    # Working now at the property, not now on the tablet's UTC clock (eight hours apart).
    (working,) = crew(live_server, "0701室", 1, rng_seed=9, hours=hours_from(now, 0))
    later_hours = hours_from(now, 3)
    (early,) = crew(live_server, "0702室", 1, rng_seed=10, hours=later_hours)
    page = tablet("guard1")
    assert page.viewport_size == TABLET_PORTRAIT
    open_gate(page)
    page.context.set_offline(True)

    # The number input spans the page, its hint whole; 查验 is a large button.
    field = page.locator("#pass-number").bounding_box()
    button = page.get_by_role("button", name="查验", exact=True).bounding_box()
    main = page.locator("#gate-check").bounding_box()
    assert field["width"] + button["width"] >= main["width"] - 40
    assert page.evaluate(PLACEHOLDER_FITS)
    assert button["height"] >= 60 and button["width"] >= 120
    # The list's age has its line from the start: filling it in moves nothing below it.
    filled = page.evaluate(SCAN_BUTTON_TOP)
    page.locator("#list-age").evaluate("(line) => { line.textContent = ''; }")
    assert page.evaluate(SCAN_BUTTON_TOP) == filled

    check_number(page, working["number"])
    expect(answer(page)).to_have_text("有效 · 入场")
    page.get_by_role("button", name="登记入场（收副本）").click()
    minutes = {(now + timedelta(minutes=m)).strftime("%H:%M") for m in range(3)}
    # The list holds the duplicates of the other tests' workers too: this worker's line.
    held = page.locator("#held-list li").filter(has_text=working["name"])
    expect(held).to_have_count(1)
    shown = held.locator("time").inner_text()
    assert shown in minutes, (shown, minutes)

    check_number(page, early["number"])
    expect(answer(page)).to_have_text("不在施工时段")
    start, end = later_hours[0]
    expect(page.locator("#answer-detail")).to_have_text(f"施工时段 {start}–{end}")

    check_number(page, "99999")
    expect(answer(page)).to_have_text("无此证")
    expect(page.locator("#answer-detail")).to_have_text("证号 99999 不在名单上。")
    expect(page.locator("#check-answer .answer-who")).to_be_hidden()
    Path("test-results").mkdir(exist_ok=True)
    page.screenshot(path="test-results/gate-tablet-unknown.png")

    # A tablet that never synced says so on the age line; the warning of an old list,
    # which would push the page down and back up once the first sync is over, stays away.
    page.evaluate(SET_SYNCED_AT, None)
    expect(page.locator("#list-age")).to_have_text("尚未取得名单：请联网同步一次。")
    expect(page.locator("#stale-warning")).to_be_hidden()
