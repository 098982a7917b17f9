"""Setting one's hand-over PIN; the PINs a tablet checks offline."""

from flask import flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from app.access import device_api, roles_allowed
from app.extensions import db
from app.forms import validate_form
from app.handover import bp
from app.handover.schemas import PinSchema
from app.models import User, colleagues
from app.navigation import TABLET_ROLES
from app.rendering import render_page


@bp.route("/pin", methods=["GET", "POST"])
@roles_allowed(*TABLET_ROLES)
def pin():
    """Set the PIN that hands a shared tablet over to this user while it is offline."""
    errors = {}
    if request.method == "POST":
        data, errors = validate_form(PinSchema())
        if not errors:
            g.user.set_pin(data["pin"])
            db.session.commit()
            flash(_("Your PIN is set. Tablets learn it at their next sync."), "info")
            return redirect(url_for("handover.pin"))
    return render_page(
        "handover/pin.html",
        "content",
        status=422 if errors else 200,
        errors=errors,
        has_pin=g.user.pin_hash is not None,
    )


@bp.route("/pins")
@device_api(*TABLET_ROLES)
def pins():
    """Colleagues who may take this tablet over offline: its property's active users of
    its role who set a PIN, with what the tablet needs to check one (never the PIN)."""
    with_pins = db.session.scalars(
        colleagues(g.device.property_id, g.user.role)
        .where(User.pin_hash.is_not(None))
        .order_by(User.display_name)
    )
    return jsonify(
        users=[
            {
                "id": user.id,
                "name": user.display_name,
                "salt": user.pin_salt,
                "iterations": user.pin_iterations,
                "hash": user.pin_hash,
            }
            for user in with_pins
        ]
    )
