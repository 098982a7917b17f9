"""The duty log (值班日志): entries that floor staff and guards write, online or offline."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.models import Role
from app.navigation import add_nav_item

bp = Blueprint("duty", __name__, url_prefix="/duty")

WRITERS = (Role.FLOOR_STAFF, Role.GUARD)
READERS = (Role.OFFICE, Role.SUPERVISOR, Role.ADMIN)
add_nav_item("duty.write", _l("Duty log"), 10, *WRITERS)
add_nav_item("duty.review", _l("Duty log"), 10, *READERS)

from app.duty import models, routes, sync  # noqa: E402,F401
