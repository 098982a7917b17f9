"""Language and time-zone choices: Chinese first, English second, local time on screen."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, session
from flask_babel import format_datetime

from app.extensions import babel

# Babel names Simplified Chinese zh_Hans_CN, and so must the catalog's folder.
LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}
HTML_LANG = {"zh_Hans_CN": "zh-CN", "en": "en"}
DEFAULT_LOCALE = "zh_Hans_CN"


def select_locale() -> str:
    # Staff share tablets whose browsers are often set to English; the building speaks
    # Chinese, so the browser's Accept-Language is deliberately not consulted.
    user = g.get("user")
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    chosen = session.get("locale")
    return chosen if chosen in LANGUAGES else DEFAULT_LOCALE


def select_timezone() -> str:
    prop = g.get("property")
    if prop is not None:
        return prop.timezone
    return current_app.config["KEFU_DEFAULT_TIMEZONE"]


LIST_PATTERN = "yyyy-MM-dd HH:mm"


def local_time(value: datetime | None, pattern: str = LIST_PATTERN) -> str:
    """Show a stored UTC time in the property's time zone."""
    if value is None:
        return ""
    if pattern == LIST_PATTERN:
        # The same in every locale, and a list shows hundreds: strftime is ten times
        # quicker than Babel here.
        return value.astimezone(ZoneInfo(select_timezone())).strftime("%Y-%m-%d %H:%M")
    return format_datetime(value, pattern)


def shown(value) -> str:
    """A value as people read it in a list, a record's page or a CSV file."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value)
    label = getattr(value, "label", None)
    return str(label) if label is not None else str(value)


def init_app(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(app.root_path + "/../translations"),
    )
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.filters["shown"] = shown
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.context_processor(lambda: {"now_utc": datetime.now(UTC)})
    app.jinja_env.globals["HTML_LANG"] = HTML_LANG
    app.jinja_env.globals["current_locale"] = select_locale
    app.jinja_env.globals["html_lang"] = lambda: HTML_LANG[select_locale()]
