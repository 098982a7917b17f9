"""Configuration read from the environment, with defaults that are safe on one machine."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from sync.attachments import DEFAULT_MAX_BYTES


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: str) -> str:
    """Return the secret key kept in the instance folder, creating it on first start.

    ``KEFU_SECRET_KEY`` wins when set, so several servers of one site can share a key.
    """
    from_env = os.environ.get("KEFU_SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL so two workers starting together cannot each write a different key.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return key_file.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """Build the Flask configuration for this process."""
    default_db = "sqlite:///" + str(Path(instance_path) / "kefu.sqlite3")
    max_attachment = int(os.environ.get("KEFU_MAX_ATTACHMENT_BYTES", str(DEFAULT_MAX_BYTES)))
    shift_hours = float(os.environ.get("KEFU_SHIFT_HOURS", "12"))
    secure = _env_flag("KEFU_SECURE_COOKIES")
    return {
        "SECRET_KEY": load_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("KEFU_DATABASE_URL", default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=shift_hours),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": os.environ.get("KEFU_RATELIMIT_STORAGE_URL", "memory://"),
        "KEFU_LOGIN_RATE_LIMIT": os.environ.get("KEFU_LOGIN_RATE_LIMIT", "10 per minute"),
        "KEFU_DEFAULT_TIMEZONE": os.environ.get("KEFU_DEFAULT_TIMEZONE", "Asia/Shanghai"),
        "KEFU_BEHIND_PROXY": _env_flag("KEFU_BEHIND_PROXY"),
        "KEFU_MAX_ATTACHMENT_BYTES": max_attachment,
        "KEFU_ATTACHMENT_DIR": os.environ.get("KEFU_ATTACHMENT_DIR"),
        # Werkzeug refuses bodies beyond this before a view reads them.
        "MAX_CONTENT_LENGTH": max_attachment + 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
    }
