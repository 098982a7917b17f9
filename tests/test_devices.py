"""Devices on the admin pages: names, last user and sync, revoking with a reason; and one
row per browser however often it signs in."""

import secrets
import uuid
from datetime import UTC, datetime

from sqlalchemy import event, func, insert, select

from app.extensions import db
from app.models import Device, User
from sync.tables import client as sync_client
from tests.support import AuthActions, Tablet, add_other_property, table_contents


def enrolled_tablet(app, username="floor1", password="kefu-demo") -> uuid.UUID:
    """A device id that ``username`` has signed in with."""
    device_id = uuid.uuid4()
    reply = AuthActions(app.test_client()).login(username, password, device_id=device_id)
    assert reply.status_code == 302
    return device_id


def device(app, device_id) -> Device:
    with app.app_context():
        found = db.session.get(Device, device_id)
        db.session.expunge(found)
        return found


def test_office_names_a_device_and_the_list_shows_the_name_beside_the_id(app, client, auth):
    tablet = enrolled_tablet(app)
    auth.login("office1")
    form = client.get(f"/admin/devices/{tablet}/name").get_data(as_text=True)
    assert 'name="name"' in form and 'name="csrf_token"' in form
    reply = auth.post(f"/admin/devices/{tablet}/name", {"name": " 1号门岗平板 "})
    assert reply.status_code == 302
    assert device(app, tablet).name == "1号门岗平板"
    listing = client.get("/admin/devices").get_data(as_text=True)
    assert f"1号门岗平板 <small><code>{str(tablet)[:8]}</code></small>" in listing
    # Blank clears it: the list shows the id alone again.
    assert auth.post(f"/admin/devices/{tablet}/name", {"name": "  "}).status_code == 302
    assert device(app, tablet).name is None
    assert "1号门岗平板" not in client.get("/admin/devices").get_data(as_text=True)


def test_a_name_too_long_is_marked_and_changes_nothing(app, client, auth):
    tablet = enrolled_tablet(app)
    auth.login("office1")
    auth.post(f"/admin/devices/{tablet}/name", {"name": "旧名"})
    before = table_contents(app)
    reply = auth.post(f"/admin/devices/{tablet}/name", {"name": "长" * 61})
    assert reply.status_code == 422
    page = reply.get_data(as_text=True)
    assert 'id="name-error"' in page and 'aria-invalid="true"' in page
    assert "最多 60 个字" in page
    assert "长" * 61 in page  # what was typed stays in the field
    assert table_contents(app) == before
    assert auth.post(f"/admin/devices/{tablet}/name", {"name": "长" * 60}).status_code == 302


def test_the_list_shows_the_last_user_and_the_last_sync_in_local_time(app, client, auth):
    tablet = enrolled_tablet(app, "floor1")
    silent = enrolled_tablet(app, "guard1")
    # The same browser signs in again as someone else: the list shows the last of them.
    AuthActions(app.test_client()).login("guard1", device_id=tablet)
    with app.app_context():
        # Two outboxes of one device (two tabs' worth): the latest push or pull counts.
        db.session.execute(
            insert(sync_client),
            [
                {
                    "id": uuid.uuid4(),
                    "device_id": tablet,
                    "last_mutation_id": 3,
                    "created_at": datetime(2026, 3, 1, 0, 0),
                    "last_push_at": datetime(2026, 3, 1, 1, 0),
                    "last_pull_at": datetime(2026, 3, 1, 2, 30),
                },
                {
                    "id": uuid.uuid4(),
                    "device_id": tablet,
                    "last_mutation_id": 0,
                    "created_at": datetime(2026, 3, 1, 0, 0),
                    "last_push_at": None,
                    "last_pull_at": datetime(2026, 3, 1, 2, 45),
                },
            ],
        )
        db.session.commit()
    auth.login("office1")
    rows = client.get("/admin/devices").get_data(as_text=True).split("<tr")
    (tablet_row,) = [row for row in rows if str(tablet)[:8] in row]
    (silent_row,) = [row for row in rows if str(silent)[:8] in row]
    assert "李保安 (guard1)" in tablet_row
    # Stored in UTC, shown in the property's time zone (Asia/Shanghai).
    assert "<td>2026-03-01 10:45</td>" in tablet_row
    assert "<td>从未</td>" in silent_row


def test_the_list_reads_every_device_s_last_sync_in_one_query(app, client, auth):
    for username in ("floor1", "guard1", "floor1"):
        enrolled_tablet(app, username)
    auth.login("office1")
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            assert client.get("/admin/devices").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if "sync_client" in s]) == 1


def test_revoking_asks_for_confirmation_with_a_reason(app, client, auth):
    tablet = enrolled_tablet(app)
    auth.login("office1")
    page = client.get("/admin/devices").get_data(as_text=True)
    listing = page[page.index("<table") : page.rindex("</table>")]
    # The list's button only opens the confirmation; nothing there revokes.
    assert f'<form method="get" action="/admin/devices/{tablet}/revoke"' in listing
    assert 'method="post"' not in listing
    page = client.get(f"/admin/devices/{tablet}/revoke").get_data(as_text=True)
    assert "停用后无法恢复" in page
    assert "尚未同步的改动将永远不会到达服务器" in page
    assert 'name="reason"' in page and 'name="csrf_token"' in page
    assert not device(app, tablet).revoked


def test_the_confirmation_is_also_a_fragment_for_htmx(app, client, auth):
    tablet = enrolled_tablet(app)
    auth.login("office1")
    fragment = client.get(f"/admin/devices/{tablet}/revoke", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in body and "<h1" not in body
    assert 'name="reason"' in body and "停用后无法恢复" in body


def test_revoking_without_a_good_reason_is_marked_and_changes_nothing(app, client, auth):
    tablet = enrolled_tablet(app)
    auth.login("office1")
    before = table_contents(app)
    for reason in (None, "", "   ", "因" * 201):
        form = {} if reason is None else {"reason": reason}
        reply = auth.post(f"/admin/devices/{tablet}/revoke", form)
        assert reply.status_code == 422, reason
        page = reply.get_data(as_text=True)
        assert 'id="reason-error"' in page and 'aria-invalid="true"' in page, reason
    assert table_contents(app) == before


def test_office_revokes_a_device_of_its_property_with_a_reason(app, client, auth):
    tablet = uuid.uuid4()
    floor_client = app.test_client()
    AuthActions(floor_client).login("floor1", device_id=tablet)
    assert floor_client.get("/").status_code == 200
    auth.login("office1")
    reply = auth.post(f"/admin/devices/{tablet}/revoke", {"reason": " 平板丢失 "})
    assert reply.status_code == 302
    revoked = device(app, tablet)
    assert revoked.revoked and revoked.revoked_reason == "平板丢失"
    with app.app_context():
        assert db.session.get(Device, tablet).revoked_by.username == "office1"
    listing = client.get("/admin/devices").get_data(as_text=True)
    assert "原因：平板丢失" in listing
    assert f"/admin/devices/{tablet}/revoke" not in listing
    assert floor_client.get("/").status_code == 302
    # Revoked stays revoked, with its first reason.
    before = table_contents(app)
    assert client.get(f"/admin/devices/{tablet}/revoke").status_code == 302
    assert auth.post(f"/admin/devices/{tablet}/revoke", {"reason": "再来"}).status_code == 302
    assert table_contents(app) == before


def test_office_cannot_see_name_or_revoke_devices_of_other_properties(app, client, auth):
    add_other_property(app)
    outsider_tablet = enrolled_tablet(app, "outsider", "outsider-pass")
    auth.login("office1")
    assert str(outsider_tablet)[:8] not in client.get("/admin/devices").get_data(as_text=True)
    before = table_contents(app)
    for path in ("name", "revoke"):
        assert client.get(f"/admin/devices/{outsider_tablet}/{path}").status_code == 404
    assert auth.post(f"/admin/devices/{outsider_tablet}/name", {"name": "x"}).status_code == 404
    reply = auth.post(f"/admin/devices/{outsider_tablet}/revoke", {"reason": "x"})
    assert reply.status_code == 404
    assert table_contents(app) == before
    # The admin manages every property's devices.
    auth.login("admin")
    assert str(outsider_tablet)[:8] in client.get("/admin/devices").get_data(as_text=True)
    reply = auth.post(f"/admin/devices/{outsider_tablet}/name", {"name": "别处平板"})
    assert reply.status_code == 302


def test_signing_in_again_on_the_same_browser_reuses_its_device_row(app, client, auth):
    """The browser keeps its id and secret in localStorage across sign-outs and sends
    both with every sign-in; a shift change or the same person again is the same row."""
    browser = {"device_id": uuid.uuid4(), "device_secret": secrets.token_hex(32)}
    for username in ("floor1", "floor1", "guard1", "floor1"):
        assert auth.login(username, **browser).status_code == 302
        assert auth.logout().status_code == 302
    auth.login("office1")
    auth.post(f"/admin/devices/{browser['device_id']}/name", {"name": "1号门岗平板"})
    auth.logout()
    assert auth.login("guard1", **browser).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 1
        reused = db.session.get(Device, browser["device_id"])
        assert reused.user.username == "guard1" and reused.name == "1号门岗平板"


def test_an_office_desktop_signing_in_every_day_stays_one_row(app, client, auth):
    desktop = {"device_id": uuid.uuid4(), "device_secret": secrets.token_hex(32)}
    for _day in range(3):
        assert auth.login("office1", **desktop).status_code == 302
        assert auth.logout().status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device)) == 1


def section(page: str, section_id: str) -> str:
    start = page.index(f'id="{section_id}"')
    return page[start : page.index("</table>", start)]


def test_the_last_user_is_whoever_held_the_tablet_at_its_last_sync(app, client, auth):
    with app.app_context():
        guard2 = db.session.scalar(select(User).where(User.username == "guard2"))
        guard2.set_pin("246810")
        db.session.commit()
        guard1_id = db.session.scalar(select(User.id).where(User.username == "guard1"))
        guard2_id = guard2.id
    tablet = Tablet(app, "guard1")
    tablet.pull()
    taken = {
        "id": 1,
        "name": "handover.take@1",
        "args": {"user_id": guard2_id, "from_user_id": guard1_id},
        "device_time": datetime.now(UTC).isoformat(),
        "acting_user_id": guard1_id,
    }
    assert tablet.push(taken).get_json()["results"][0]["status"] == "applied"
    tablet.pull()
    auth.login("office1")
    rows = client.get("/admin/devices").get_data(as_text=True).split("<tr")
    (row,) = [row for row in rows if str(tablet.device_id)[:8] in row]
    assert "赵保安 (guard2)" in row and "guard1" not in row


def test_desktop_browsers_that_never_sync_are_listed_apart_from_tablets(app, client, auth):
    tablet = Tablet(app, "floor1")
    desktop = enrolled_tablet(app, "office1")
    auth.login("office1")
    page = client.get("/admin/devices").get_data(as_text=True)
    tablets, desktops = section(page, "tablets"), section(page, "desktops")
    assert str(tablet.device_id)[:8] in tablets and str(tablet.device_id)[:8] not in desktops
    assert str(desktop)[:8] in desktops and str(desktop)[:8] not in tablets


def test_a_revoked_tablet_shows_its_message_and_no_sign_in_form(app, client, auth):
    browser = {"device_id": uuid.uuid4(), "device_secret": secrets.token_hex(32)}
    tablet = app.test_client()
    AuthActions(tablet).login("floor1", **browser)
    auth.login("office1")
    assert (
        auth.post(f"/admin/devices/{browser['device_id']}/revoke", {"reason": "丢失"}).status_code
        == 302
    )
    revoked_message = "此设备已停用，请联系客服中心。"
    page = tablet.get("/", follow_redirects=True).get_data(as_text=True)
    assert revoked_message in page and 'id="login-form"' not in page
    # A browser that lost its session tries to sign in again: the same answer, no form.
    fresh = app.test_client()
    refused = AuthActions(fresh).login("floor1", **browser)
    assert refused.status_code == 403
    body = refused.get_data(as_text=True)
    assert revoked_message in body and 'id="login-form"' not in body
    page = fresh.get("/auth/login").get_data(as_text=True)
    assert revoked_message in page and 'id="login-form"' not in page
