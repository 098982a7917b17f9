"""The list of the property's places."""

from flask import g

from app.access import ALL_ROLES, roles_allowed
from app.places import bp
from app.rendering import render_page


@bp.route("/places")
@roles_allowed(*ALL_ROLES)
def index():
    return render_page("places/index.html", "content", prop=g.property)
