"""Who may use which route.

Every view declares its roles with :func:`roles_allowed` (or :func:`public`); one
``before_request`` hook enforces the declaration, so a view that declares nothing is
refused to everyone rather than open to everyone.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.extensions import csrf, db
from app.models import Device, Role, User, utcnow, works_at

ALL_ROLES = frozenset(Role)
PUBLIC = "public"
# Flask's own static route cannot carry an attribute, so it is named here.
PUBLIC_ENDPOINTS = frozenset({"static"})
# Set on the session of a browser whose device was revoked: its sign-in page says so and
# offers no form, since no sign-in can succeed there again.
REVOKED_DEVICE = "device_revoked"
# Writing last-seen on every request would turn reads into writes.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def roles_allowed(*roles: Role) -> Callable:
    """Declare the roles that may use a view; everyone else is refused."""
    if not roles:
        raise ValueError("name at least one role, or use @public")

    def declare(view: Callable) -> Callable:
        view.allowed_roles = frozenset(roles)
        return view

    return declare


def device_api(*roles: Role) -> Callable:
    """Declare a view used by a device's sync code: a device token, not a session, signs it.

    Answers are JSON; CSRF does not apply, since a browser never sends the token by itself.
    """

    def declare(view: Callable) -> Callable:
        view = roles_allowed(*roles)(view)
        view.device_token = True
        return csrf.exempt(view)

    return declare


def public(view: Callable) -> Callable:
    """Declare a view open to anyone, signed in or not."""
    view.allowed_roles = PUBLIC
    return view


def allowed_roles_of(endpoint: str | None) -> frozenset[Role] | str | None:
    if endpoint in PUBLIC_ENDPOINTS:
        return PUBLIC
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, "allowed_roles", None)


def sign_in(user: User, device: Device | None) -> None:
    session.clear()
    session.permanent = True
    # Every reply re-sends a permanent session's cookie as its request read it. A request
    # already on its way with this cookie (the service worker caching the offline page as
    # it installs) would hand back a session without the token the next page minted, and
    # every form on that page would be refused: the token is minted with the session.
    g.pop("csrf_token", None)
    generate_csrf()
    session["user_id"] = user.id
    session["property_id"] = device.property_id if device else _default_property_id(user)
    if device is not None:
        session["device_id"] = str(device.id)
        session["signed_in_at"] = utcnow().isoformat()


def end_device_session(device: Device | None) -> None:
    """Sign out on the server, and make every session signed in on the device before now
    void: a cookie replayed by a request that was already on its way signs nobody in."""
    if device is not None:
        device.signed_out_at = utcnow()
        db.session.commit()
    sign_out()


def _ended_by_sign_out(device: Device) -> bool:
    if device.signed_out_at is None:
        return False
    signed_in_at = session.get("signed_in_at")
    return signed_in_at is None or datetime.fromisoformat(signed_in_at) <= device.signed_out_at


def sign_out() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale


def _default_property_id(user: User) -> int | None:
    return user.properties[0].id if user.properties else None


def _load_signed_in_user() -> None:
    g.user = None
    g.device = None
    g.property = None
    user_id = session.get("user_id")
    if user_id is None:
        return
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        sign_out()
        flash(_("Your account has been disabled. Please contact the service centre."), "error")
        return
    device = None
    if "device_id" in session:
        device = db.session.get(Device, _uuid(session["device_id"]))
        if device is None or device.revoked:
            sign_out()
            session[REVOKED_DEVICE] = True
            return
        if _ended_by_sign_out(device):
            sign_out()
            return
        now = utcnow()
        if now - device.last_seen_at > LAST_SEEN_RESOLUTION:
            device.last_seen_at = now
            db.session.commit()
    g.user = user
    g.device = device
    g.property = next((p for p in user.properties if p.id == session.get("property_id")), None)
    if g.property is None and user.properties:
        # Taken off the property they worked at: they go on at one of theirs, and so
        # does the device, whose token no longer reaches the old one's data.
        g.property = user.properties[0]
        session["property_id"] = g.property.id
        if device is not None and device.property_id != g.property.id:
            device.property = g.property
            db.session.commit()


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _refuse_anonymous():
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return jsonify(error="not_signed_in", message=_("Please sign in.")), 401
    login_url = url_for(
        "auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None
    )
    if request.headers.get("HX-Request"):
        response = current_app.response_class(status=401)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _device_error(status: int, error: str, message: str):
    return jsonify(error=error, message=message), status


# Every sync request needs the device, its user, its property and whether the user still
# works there: one query, built once.
_DEVICE_BY_TOKEN = (
    select(Device, works_at(Device.user_id, Device.property_id).label("member"))
    .where(Device.token_hash == bindparam("token_hash"))
    .options(joinedload(Device.user), joinedload(Device.property))
)


def _authenticate_device(allowed: frozenset[Role]):
    """Sign the request in by its device token; JSON errors a tablet can show."""
    g.user = g.device = g.property = None
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _device_error(401, "no_token", _("This device is not signed in. Please sign in."))
    found = db.session.execute(_DEVICE_BY_TOKEN, {"token_hash": hash_token(token)}).first()
    if found is None:
        return _device_error(
            401, "unknown_token", _("This device is not signed in. Please sign in.")
        )
    device, member = found
    if device.revoked:
        return _device_error(
            401,
            "device_revoked",
            _("This device has been revoked. Please contact the service centre."),
        )
    if not device.user.active:
        return _device_error(
            401,
            "account_disabled",
            _("Your account has been disabled. Please contact the service centre."),
        )
    if not member:
        return _device_error(
            401,
            "not_a_member",
            _("You no longer work at this property. Please sign in again."),
        )
    if device.user.role not in allowed:
        return _device_error(403, "forbidden", _("Your role may not open this page."))
    g.user, g.device, g.property = device.user, device, device.property
    return None


def enforce_declared_roles():
    """Refuse the request unless the view's declaration admits the current user."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "device_token", False):
        return _authenticate_device(view.allowed_roles)
    _load_signed_in_user()
    if request.endpoint is None:
        return None  # Flask answers 404 or 405 itself.
    allowed = allowed_roles_of(request.endpoint)
    if allowed == PUBLIC:
        return None
    if allowed is None:
        current_app.logger.error("route %s declares no roles; refused", request.endpoint)
        abort(403)
    if g.user is None:
        return _refuse_anonymous()
    if g.user.role not in allowed:
        abort(403)
    return None


def init_app(app: Flask) -> None:
    app.before_request(enforce_declared_roles)
