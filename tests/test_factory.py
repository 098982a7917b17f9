from pathlib import Path

from app import create_app


def test_config_overrides_environment(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    from app.config import load_secret_key

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
