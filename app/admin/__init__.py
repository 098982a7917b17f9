"""Accounts and devices: the admin for every property, the office and the supervisor for
their own."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.jobs import Job, NavEntry
from app.models import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The supervisor has at least what the office has.
MANAGERS = frozenset({Role.ADMIN, Role.OFFICE, Role.SUPERVISOR})

PART = Job(
    "admin",
    bp,
    nav=[
        NavEntry("admin.users", _l("Accounts"), 90, MANAGERS),
        NavEntry("admin.devices", _l("Devices"), 91, MANAGERS),
    ],
)

from app.admin import routes  # noqa: E402,F401
