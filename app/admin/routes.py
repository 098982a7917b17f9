"""Adding, changing and disabling accounts; listing, naming and revoking devices."""

import functools
import uuid
from datetime import UTC, datetime

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.access import roles_allowed
from app.admin import MANAGERS, bp
from app.admin.schemas import (
    AccountSchema,
    DeviceNameSchema,
    NewAccountSchema,
    PasswordSchema,
    RevokeSchema,
)
from app.extensions import db
from app.forms import validate_form
from app.models import (
    DEVICE_NAME_MAX,
    REVOKED_REASON_MAX,
    Device,
    HandOver,
    Property,
    Role,
    User,
    user_property,
    utcnow,
)
from app.rendering import render_page
from sync.tables import client as sync_client


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


def _visible_device_or_404(device_id: uuid.UUID) -> Device:
    device = db.session.scalar(_visible_devices_query().where(Device.id == device_id))
    if device is None:
        abort(404)
    return device


def _last_syncs(device_ids) -> dict[uuid.UUID, datetime]:
    """When each of these devices last pushed or pulled, in one query over their outboxes.

    A device that never synced has no entry.
    """
    rows = db.session.execute(
        select(
            sync_client.c.device_id,
            func.max(sync_client.c.last_push_at),
            func.max(sync_client.c.last_pull_at),
        )
        .where(sync_client.c.device_id.in_(device_ids))
        .group_by(sync_client.c.device_id)
    )
    latest = {}
    for device_id, pushed, pulled in rows:
        moments = [moment for moment in (pushed, pulled) if moment is not None]
        if moments:
            # The engine keeps naive UTC; the app shows aware times.
            latest[device_id] = max(moments).replace(tzinfo=UTC)
    return latest


def _last_holders(device_ids) -> dict[uuid.UUID, User]:
    """Who last held each of these devices, in one query: the latest hand-over the server
    knows (a sign-in, or a PIN hand-over, which reaches it with the sync that follows it).

    A device without one has no entry; its signed-in user stands in.
    """
    latest = (
        select(func.max(HandOver.id))
        .where(HandOver.device_id.in_(device_ids))
        .group_by(HandOver.device_id)
    )
    rows = db.session.execute(
        select(HandOver.device_id, User)
        .join(User, User.id == HandOver.user_id)
        .where(HandOver.id.in_(latest))
    )
    return {device_id: user for device_id, user in rows}


@bp.route("/devices")
@roles_allowed(*MANAGERS)
def devices():
    query = _visible_devices_query().options(
        selectinload(Device.user), selectinload(Device.property), selectinload(Device.revoked_by)
    )
    listed = list(db.session.scalars(query))
    device_ids = [device.id for device in listed]
    return render_page(
        "admin/devices.html",
        "content",
        # Only a browser that took a sync token pulls and pushes: the office's desktops
        # sign in and read, and are listed apart.
        tablets=[device for device in listed if device.token_hash is not None],
        desktops=[device for device in listed if device.token_hash is None],
        last_syncs=_last_syncs(device_ids),
        last_holders=_last_holders(device_ids),
    )


@bp.route("/devices/<uuid:device_id>/name", methods=["GET", "POST"])
@roles_allowed(*MANAGERS)
def device_name(device_id: uuid.UUID):
    device = _visible_device_or_404(device_id)
    page = functools.partial(
        render_page, "admin/device_name.html", "panel", device=device, name_max=DEVICE_NAME_MAX
    )
    if request.method == "GET":
        return page(form={}, errors={})
    data, errors = validate_form(DeviceNameSchema())
    if errors:
        return page(status=422, form=request.form, errors=errors)
    device.name = data["name"]
    db.session.commit()
    flash(_("Device name saved."), "info")
    return redirect(url_for("admin.devices"))


@bp.route("/devices/<uuid:device_id>/revoke", methods=["GET", "POST"])
@roles_allowed(*MANAGERS)
def device_revoke(device_id: uuid.UUID):
    device = _visible_device_or_404(device_id)
    if device.revoked:
        flash(_("This device was already revoked."), "info")
        return redirect(url_for("admin.devices"))
    page = functools.partial(
        render_page,
        "admin/device_revoke.html",
        "panel",
        device=device,
        last_sync=_last_syncs([device.id]).get(device.id),
        reason_max=REVOKED_REASON_MAX,
    )
    if request.method == "GET":
        return page(form={}, errors={})
    data, errors = validate_form(RevokeSchema())
    if errors:
        return page(status=422, form=request.form, errors=errors)
    device.revoked_at = utcnow()
    device.revoked_by = g.user
    device.revoked_reason = data["reason"]
    db.session.commit()
    flash(_("Device revoked: it is signed out and cannot sign in again."), "info")
    return redirect(url_for("admin.devices"))
