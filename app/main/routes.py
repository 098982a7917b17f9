"""Home pages and the property overview."""

from flask import g, jsonify
from flask_babel import lazy_gettext as _l

from app.access import ALL_ROLES, public, roles_allowed
from app.main import bp
from app.models import Role
from app.navigation import nav_items_for
from app.rendering import render_page

HOME_TITLES = {
    Role.FLOOR_STAFF: _l("Floor desk"),
    Role.GUARD: _l("Gate post"),
    Role.OFFICE: _l("Service centre"),
    Role.SUPERVISOR: _l("Supervisor's desk"),
    Role.ENGINEERING: _l("Engineering desk"),
    Role.ADMIN: _l("Administration"),
}


@bp.route("/")
@roles_allowed(*ALL_ROLES)
def home():
    tiles = [item for item in nav_items_for(g.user.role) if item.endpoint != "main.home"]
    return render_page("main/home.html", "content", title=HOME_TITLES[g.user.role], tiles=tiles)


@bp.route("/places")
@roles_allowed(*ALL_ROLES)
def places():
    return render_page("main/places.html", "content", prop=g.property)


@bp.route("/healthz")
@public
def healthz():
    """For a load balancer or a tablet asking whether the server is reachable."""
    return jsonify(status="ok")
