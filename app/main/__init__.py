"""Each role's home, the health check, the service worker and the web manifest."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.access import ALL_ROLES
from app.jobs import Job, NavEntry

bp = Blueprint("main", __name__)

PART = Job("main", bp, nav=[NavEntry("main.home", _l("Home"), 0, ALL_ROLES)])

from app.main import routes  # noqa: E402,F401
