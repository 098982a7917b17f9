import uuid

from sqlalchemy import select

from app.extensions import db
from app.models import Device, Property, User
from tests.support import CSRF_FIELD, AuthActions, csrf_token_of, session_of

TABLET = uuid.UUID("6f1c7f3e-2b1a-4c55-9a43-1b9f1c8a6f01")


def test_login_page_carries_a_csrf_token_and_a_device_field(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    assert 'name="username"' in page and 'name="password"' in page
    assert "data-device-id" in page


def test_sign_in_lands_on_the_roles_home(client, auth):
    response = auth.login("guard1")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "门岗" in client.get("/").get_data(as_text=True)


def test_sign_in_follows_next_but_never_to_another_site(client, auth):
    assert auth.login("office1", next="/admin/users").headers["Location"] == "/admin/users"
    auth.logout()
    assert auth.login("office1", next="//evil.example/").headers["Location"] == "/"


def test_wrong_password_and_unknown_user_get_the_same_clear_message(client, auth):
    for username, password in [("floor1", "wrong-password"), ("nobody", "kefu-demo")]:
        response = auth.login(username, password)
        assert response.status_code == 401
        assert "用户名或密码错误" in response.get_data(as_text=True)
        assert "user_id" not in session_of(client)


def test_missing_fields_are_marked(client):
    response = client.post("/auth/login", data={"csrf_token": csrf_token_of(client)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('aria-invalid="true"') == 2
    assert "此项为必填项" in page


def test_missing_csrf_token_refuses_sign_in(client):
    client.get("/auth/login")
    response = client.post("/auth/login", data={"username": "floor1", "password": "kefu-demo"})
    assert response.status_code == 400
    assert "登录页面已过期" in response.get_data(as_text=True)
    assert "user_id" not in session_of(client)


def test_the_eleventh_wrong_password_in_a_minute_is_refused(client, auth):
    for _ in range(10):
        assert auth.login("floor1", "wrong-password").status_code == 401
    response = auth.login("floor1", "kefu-demo")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)
    assert "user_id" not in session_of(client)


def test_successful_sign_ins_do_not_use_up_the_limit(client, auth):
    for _ in range(12):
        assert auth.login("floor1").status_code == 302
        auth.logout()


def test_passwords_are_stored_hashed(app):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "floor1"))
        assert user.password_hash.startswith("scrypt:")
        assert "kefu-demo" not in user.password_hash


def test_sign_in_enrolls_the_device_and_binds_it(app, client, auth):
    auth.login("floor1", device_id=TABLET)
    assert session_of(client)["device_id"] == str(TABLET)
    with app.app_context():
        device = db.session.get(Device, TABLET)
        assert device.user.username == "floor1"
        assert device.property.name == "示例大厦"
    auth.logout()
    auth.login("guard1", device_id=TABLET)
    with app.app_context():
        assert db.session.get(Device, TABLET).user.username == "guard1"
        assert db.session.scalar(select(db.func.count(Device.id))) == 1


def test_a_revoked_device_is_signed_out_and_cannot_sign_in(app, client, auth):
    auth.login("floor1", device_id=TABLET)
    with app.app_context():
        device = db.session.get(Device, TABLET)
        device.revoked_at = db.func.now()
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert "user_id" not in session_of(client)
    response = auth.login("floor1", device_id=TABLET)
    assert response.status_code == 403
    assert "此设备已停用" in response.get_data(as_text=True)


def test_a_disabled_account_is_signed_out_and_cannot_sign_in(app, client, auth):
    auth.login("floor1")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "floor1")).active = False
        db.session.commit()
    assert client.get("/").status_code == 302
    response = auth.login("floor1")
    assert response.status_code == 403
    assert "此账号已停用" in response.get_data(as_text=True)


def test_sign_out_ends_the_session(client, auth):
    auth.login()
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_a_reply_on_its_way_as_one_signs_in_keeps_the_pages_forms_working(app, client, auth):
    """The service worker caching the offline page as it installs can send the cookie of
    the sign-in itself, and its reply comes back after the first page's: that cookie
    must still match the forms of the page."""
    auth.login()
    cookie_of_the_sign_in = client.get_cookie("session").value
    token = CSRF_FIELD.search(client.get("/").get_data(as_text=True)).group(1)
    worker = app.test_client()
    worker.set_cookie("session", cookie_of_the_sign_in)
    assert worker.get("/offline").status_code == 200
    client.set_cookie("session", worker.get_cookie("session").value)
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302


def test_a_cookie_replayed_after_sign_out_signs_nobody_in(app, client, auth):
    """A reply that left before the sign-out (the worker caching pages, say) hands the
    browser its old cookie again: the server has ended that session all the same."""
    auth.login(device_id=uuid.uuid4(), device_secret="a" * 64)
    assert client.get("/").status_code == 200
    old_cookie = client.get_cookie("session").value
    assert auth.logout().status_code == 302
    client.set_cookie("session", old_cookie)
    assert client.get("/").status_code == 302
    # Signing in again on the device starts a session that counts.
    auth.login(device_id=uuid.uuid4(), device_secret="b" * 64)
    assert client.get("/").status_code == 200


def test_chinese_is_the_default_even_for_an_english_browser(client):
    page = client.get("/auth/login", headers={"Accept-Language": "en-US,en"})
    assert '<html lang="zh-CN">' in page.get_data(as_text=True)
    assert "登录" in page.get_data(as_text=True)


def test_language_choice_is_remembered_for_the_user(app, client, auth):
    auth.login("floor1")
    auth.post("/auth/language", {"locale": "en", "next": "/"})
    assert "Floor desk" in client.get("/").get_data(as_text=True)
    auth.logout()
    other = app.test_client()
    AuthActions(other).login("floor1")
    assert "Floor desk" in other.get("/").get_data(as_text=True)


def test_an_unknown_language_is_refused(client, auth):
    response = auth.post("/auth/language", {"locale": "xx"})
    assert response.status_code == 422


def test_a_member_of_two_properties_switches_and_the_device_follows(app, client, auth):
    with app.app_context():
        other = Property(code="OTHER", name="别的小区")
        floor1 = db.session.scalar(select(User).where(User.username == "floor1"))
        floor1.properties.append(other)
        db.session.commit()
        other_id = other.id
    auth.login("floor1", device_id=TABLET)
    assert 'name="property_id"' in client.get("/").get_data(as_text=True)
    assert auth.post("/property", {"property_id": str(other_id)}).status_code == 302
    assert "别的小区" in client.get("/places").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Device, TABLET).property_id == other_id


def test_nobody_switches_to_a_property_that_is_not_theirs(app, client, auth):
    with app.app_context():
        other = Property(code="OTHER", name="别的小区")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    auth.login("floor1", device_id=TABLET)
    assert auth.post("/property", {"property_id": str(other_id)}).status_code == 422
    assert auth.post("/property", {"property_id": "abc"}).status_code == 422
    with app.app_context():
        assert db.session.get(Device, TABLET).property_id != other_id
