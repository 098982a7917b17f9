"""Adding, changing and disabling accounts; listing and revoking devices."""

import uuid

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from app.access import roles_allowed
from app.admin import MANAGERS, bp
from app.admin.schemas import AccountSchema, NewAccountSchema, PasswordSchema
from app.extensions import db
from app.forms import validate_form
from app.models import Device, Property, Role, User, user_property, utcnow
from app.rendering import render_page


def _managed_property_ids() -> set[int] | None:
    """The properties the acting user manages; None means all of them."""
    if g.user.role is Role.ADMIN:
        return None
    return {p.id for p in g.user.properties}


def _grantable_properties() -> list[Property]:
    query = select(Property).order_by(Property.name)
    managed = _managed_property_ids()
    if managed is not None:
        query = query.where(Property.id.in_(managed))
    return list(db.session.scalars(query))


def _grantable_roles() -> list[Role]:
    if g.user.role is Role.ADMIN:
        return list(Role)
    return [role for role in Role if role is not Role.ADMIN]


def _account_schema(schema_class=AccountSchema) -> AccountSchema:
    return schema_class(
        grantable_roles=_grantable_roles(),
        grantable_property_ids=[p.id for p in _grantable_properties()],
    )


def _managed_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    # Someone the actor may not manage is answered as if absent, so ids reveal nothing.
    if user is None or not g.user.may_manage(user):
        abort(404)
    return user


def _form_page(template: str, status: int = 200, **context):
    return render_page(
        template,
        "content",
        status=status,
        roles=_grantable_roles(),
        properties=_grantable_properties(),
        errors=context.pop("errors", {}),
        **context,
    )


@bp.route("/users")
@roles_allowed(*MANAGERS)
def users():
    query = select(User).order_by(User.role, User.username)
    managed = _managed_property_ids()
    if managed is not None:
        query = query.where(
            User.id.in_(
                select(user_property.c.user_id).where(user_property.c.property_id.in_(managed))
            )
        )
    listed = [user for user in db.session.scalars(query) if g.user.may_manage(user)]
    return render_page("admin/users.html", "content", users=listed)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_allowed(*MANAGERS)
def user_new():
    if request.method == "GET":
        return _form_page("admin/user_form.html", account=None, form={})
    data, errors = validate_form(_account_schema(NewAccountSchema))
    if not errors and db.session.scalar(select(User.id).where(User.username == data["username"])):
        errors = {"username": [_("This username is taken.")]}
    if errors:
        return _form_page(
            "admin/user_form.html", 422, account=None, form=request.form, errors=errors
        )
    user = User(
        username=data["username"],
        display_name=data["display_name"],
        role=data["role"],
        active=data["active"],
    )
    user.set_password(data["password"])
    user.properties = [db.session.get(Property, pid) for pid in data["property_ids"]]
    db.session.add(user)
    db.session.commit()
    flash(_("Account %(username)s added.", username=user.username), "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_allowed(*MANAGERS)
def user_edit(user_id: int):
    account = _managed_user_or_404(user_id)
    if request.method == "GET":
        return _form_page("admin/user_form.html", account=account, form={})
    data, errors = validate_form(_account_schema())
    if (
        not errors
        and account.id == g.user.id
        and (not data["active"] or data["role"] != g.user.role)
    ):
        errors = {"active": [_("You cannot disable your own account or change your own role.")]}
    if errors:
        return _form_page(
            "admin/user_form.html", 422, account=account, form=request.form, errors=errors
        )
    # Properties the actor does not manage stay as they were: the form cannot show them.
    unmanaged = [p for p in account.properties if p not in _grantable_properties()]
    account.display_name = data["display_name"]
    account.role = data["role"]
    account.active = data["active"]
    account.properties = unmanaged + [db.session.get(Property, pid) for pid in data["property_ids"]]
    db.session.commit()
    flash(_("Account %(username)s saved.", username=account.username), "info")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@roles_allowed(*MANAGERS)
def user_password(user_id: int):
    account = _managed_user_or_404(user_id)
    data, errors = validate_form(PasswordSchema())
    if errors:
        return _form_page("admin/user_form.html", 422, account=account, form={}, errors=errors)
    account.set_password(data["password"])
    db.session.commit()
    flash(_("Password of %(username)s reset.", username=account.username), "info")
    return redirect(url_for("admin.user_edit", user_id=account.id))


def _visible_devices_query():
    query = select(Device).order_by(Device.last_seen_at.desc())
    managed = _managed_property_ids()
    if managed is not None:
        query = query.where(Device.property_id.in_(managed))
    return query


@bp.route("/devices")
@roles_allowed(*MANAGERS)
def devices():
    return render_page(
        "admin/devices.html", "content", devices=list(db.session.scalars(_visible_devices_query()))
    )


@bp.route("/devices/<uuid:device_id>/revoke", methods=["POST"])
@roles_allowed(*MANAGERS)
def device_revoke(device_id: uuid.UUID):
    device = db.session.scalar(_visible_devices_query().where(Device.id == device_id))
    if device is None:
        abort(404)
    if not device.revoked:
        device.revoked_at = utcnow()
        device.revoked_by = g.user
        db.session.commit()
    flash(_("Device revoked: it is signed out and cannot sign in again."), "info")
    return redirect(url_for("admin.devices"))
