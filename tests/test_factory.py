import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from app import create_app
from app.config import load_secret_key
from app.extensions import db
from app.models import Device


def test_config_overrides_environment(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("KEFU_SECRET_KEY", raising=False)
    first = load_secret_key(str(tmp_path))
    second = load_secret_key(str(tmp_path))
    assert first == second
    assert len(first) == 64
    assert (Path(tmp_path) / "secret_key").stat().st_mode & 0o077 == 0


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("KEFU_DATABASE_URL", f"sqlite:///{tmp_path}/other.sqlite3")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"].endswith("other.sqlite3")


def test_session_cookie_is_http_only_and_lax_and_lasts_a_shift(app, auth, client):
    response = auth.login()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 12 * 3600


def test_shift_length_and_secure_cookies_are_configurable(monkeypatch):
    monkeypatch.setenv("KEFU_SHIFT_HOURS", "8")
    monkeypatch.setenv("KEFU_SECURE_COOKIES", "1")
    app = create_app()
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_a_page_and_its_htmx_fragment_come_from_one_template(client, auth):
    auth.login("office1")
    page = client.get("/places")
    fragment = client.get("/places", headers={"HX-Request": "true"})
    assert "<html" in page.get_data(as_text=True)
    assert "<html" not in fragment.get_data(as_text=True)
    assert "会议层" in fragment.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]


def test_times_are_stored_in_utc_and_shown_in_the_propertys_zone(app, client, auth):
    tablet = uuid.uuid4()
    auth.login("floor1", device_id=tablet)
    with app.app_context():
        device = db.session.get(Device, tablet)
        device.enrolled_at = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Device, tablet).enrolled_at.tzinfo is UTC
    auth.logout()
    auth.login("office1")
    assert "2026-11-27 07:30" in client.get("/admin/devices").get_data(as_text=True)


def test_hashed_static_files_are_cached_for_a_year(client):
    manifest = json.loads(client.get("/static/dist/manifest.json").get_data(as_text=True))
    response = client.get(f"/static/dist/{manifest['htmx.js']}")
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600


def test_sqlite_is_durable_and_checks_foreign_keys(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/k.db"})
    with app.app_context(), db.engine.connect() as connection:
        settings = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
        db.engine.dispose()
    # synchronous 2 is FULL: an acknowledged push survives a power cut.
    assert settings == {"journal_mode": "wal", "synchronous": 2, "foreign_keys": 1}
