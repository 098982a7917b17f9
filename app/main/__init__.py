"""Each role's home and the overview of the property's places."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.access import ALL_ROLES
from app.navigation import add_nav_item

bp = Blueprint("main", __name__)

add_nav_item("main.home", _l("Home"), 0, *ALL_ROLES)
add_nav_item("main.places", _l("Places"), 80, *ALL_ROLES)

from app.main import routes, sync  # noqa: E402,F401
