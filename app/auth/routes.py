"""Sign-in, sign-out and language routes."""

import hmac

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from sqlalchemy import select

from app.access import (
    ALL_ROLES,
    REVOKED_DEVICE,
    end_device_session,
    hash_token,
    public,
    roles_allowed,
    sign_in,
)
from app.auth import bp
from app.auth.schemas import LanguageSchema, SignInSchema
from app.errors import handle_csrf_error
from app.extensions import db, limiter
from app.forms import validate_form
from app.models import Device, HandOver, Role, User, utcnow
from app.rendering import render_page


def _safe_next(target: str | None) -> str | None:
    """Only paths on this site: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return None


def _login_page(status: int = 200, errors=None, message: str | None = None):
    if session.get(REVOKED_DEVICE):
        status = 403 if request.method == "POST" else status
        message = _("This device has been revoked. Please contact the service centre.")
    return render_page(
        "auth/login.html",
        "login_form",
        status=status,
        errors=errors or {},
        message=message,
        revoked=session.get(REVOKED_DEVICE, False),
        username=request.form.get("username", ""),
        next=_safe_next(request.values.get("next")),
    )


def _login_rate_limit() -> str:
    return current_app.config["KEFU_LOGIN_RATE_LIMIT"]


def _ip_and_username() -> str:
    return f"{get_remote_address()}|{request.form.get('username', '').strip().lower()}"


def _failed(response) -> bool:
    return response.status_code != 302


def _enroll_device(user: User, device_id, secret) -> tuple[Device | None, str | None]:
    """Bind the browser install to the user and property; a revoked one stays revoked.

    The browser proves it is the install it says with the secret it made beside its id;
    a device enrolled before devices had secrets takes the first one it shows.
    """
    if device_id is None or not user.properties:
        return None, None
    device = db.session.get(Device, device_id)
    if device is not None and device.revoked:
        session[REVOKED_DEVICE] = True
        return None, _("This device has been revoked. Please contact the service centre.")
    if (
        device is not None
        and device.secret_hash is not None
        and (secret is None or not hmac.compare_digest(device.secret_hash, hash_token(secret)))
    ):
        return None, _("This browser cannot sign in as that device. Please reload the page.")
    now = utcnow()
    if device is None:
        device = Device(id=device_id, enrolled_at=now)
        db.session.add(device)
    if secret is not None:
        device.secret_hash = hash_token(secret)
    # A tablet is handed from shift to shift: it belongs to whoever signed in last.
    device.user = user
    device.property = user.properties[0]
    device.user_agent = request.user_agent.string[:300]
    device.last_seen_at = now
    return device, None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate_limit, methods=["POST"], key_func=_ip_and_username, deduct_when=_failed)
@public
def login():
    if request.method == "GET":
        if g.user is not None:
            return redirect(url_for("main.home"))
        return _login_page()

    data, errors = validate_form(SignInSchema())
    if errors:
        return _login_page(422, errors=errors)
    user = db.session.scalar(select(User).where(User.username == data["username"].strip()))
    if user is None or not user.check_password(data["password"]):
        return _login_page(401, message=_("Wrong username or password."))
    if not user.active:
        return _login_page(403, message=_("This account has been disabled."))
    if not user.properties and user.role is not Role.ADMIN:
        return _login_page(403, message=_("No property has been assigned to this account yet."))
    device, refusal = _enroll_device(user, data["device_id"], data["device_secret"])
    if refusal:
        return _login_page(403, message=refusal)
    if device is not None:
        # From now on the device may carry this user's changes, even after a hand-over.
        db.session.add(HandOver(device=device, user=user))
    db.session.commit()
    sign_in(user, device)
    return redirect(_safe_next(data["next"]) or url_for("main.home"))


@bp.errorhandler(429)
def too_many_attempts(error):
    return _login_page(429, message=_("Too many failed sign-ins. Please wait a minute."))


@bp.errorhandler(CSRFError)
def expired_form(error):
    if request.endpoint != "auth.login":
        return handle_csrf_error(error)
    return _login_page(400, message=_("The sign-in form has expired. Please try again."))


@bp.route("/logout", methods=["POST"])
@roles_allowed(*ALL_ROLES)
def logout():
    end_device_session(g.device)
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language", methods=["POST"])
@public
def language():
    data, errors = validate_form(LanguageSchema())
    if errors:
        return render_page(
            "errors/error.html", "content", status=422, code=422, message=errors["locale"][0]
        )
    session["locale"] = data["locale"]
    if g.user is not None:
        g.user.locale = data["locale"]
        db.session.commit()
    return redirect(_safe_next(data["next"]) or url_for("main.home"))
