"""Accounts and devices: the admin for every property, the office for its own."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.models import Role
from app.navigation import add_nav_item

bp = Blueprint("admin", __name__, url_prefix="/admin")

MANAGERS = (Role.ADMIN, Role.OFFICE)
add_nav_item("admin.users", _l("Accounts"), 90, *MANAGERS)
add_nav_item("admin.devices", _l("Devices"), 91, *MANAGERS)

from app.admin import routes  # noqa: E402,F401
