"""The gate's pages: the guard's check on the gate tablet, and the office's permits,
passes, prints, exit passes, gate log, flags and settings."""

from __future__ import annotations

import base64
import binascii
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from flask import abort, current_app, g, redirect, request, send_file, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.access import roles_allowed
from app.desk import render_listing
from app.extensions import db
from app.forms import validate_form
from app.gate import GUARDS, OFFICE, bp
from app.gate.desk import COLUMNS, LISTING, still_inside
from app.gate.issue import issue_exit_pass, issue_pass, new_token
from app.gate.models import (
    ExitPass,
    GateEvent,
    GateSettings,
    PassState,
    Permit,
    PermitState,
    WorkerPass,
)
from app.gate.rules import masked_id, parse_clock
from app.gate.schemas import ExitPassSchema, PassSchema, PermitSchema, ReasonSchema, SettingsSchema
from app.gate.sync import exit_qr, pass_qr, qr_hash, serialize_settings
from app.jobs import reason_labels
from app.models import Device, User, utcnow
from app.rendering import render_page
from sync.attachments import sniff_type
from sync.tables import flag

GATE_FLAGS = (
    "gate_override",
    "gate_stale_list",
    "gate_entry_revoked",
    "gate_entry_expired",
    "exit_pass_reused",
)
# What a gate tablet holds of a worker's face: a data URL of a small JPEG.
THUMBNAIL_PREFIX = "data:image/jpeg;base64,"
MAX_THUMBNAIL = 60_000
PHOTO_TYPES = ("image/jpeg", "image/png")


def qr_svg(text: str) -> Markup:
    """The QR code of ``text`` as inline SVG (segno), crisp at any print size."""
    return Markup(segno.make(text, error="m").svg_inline(scale=4, border=2, omitsize=True))


def _own(model, record_id):
    record = db.session.get(model, record_id)
    if record is None or record.property_id != g.property.id:
        abort(404)
    return record


# ---- the guard's gate tablet ---------------------------------------------------------


@bp.route("/")
@roles_allowed(*GUARDS)
def check():
    """The gate check: answered from the tablet's own copy of the pass list."""
    # Until the tablet holds the settings record, the page brings them along.
    return render_page(
        "gate/check.html",
        "content",
        default_settings=serialize_settings(GateSettings.of(g.property.id)),
    )


# ---- permits ---------------------------------------------------------------------


def _permits_page(status=200, **context):
    permits = db.session.scalars(
        select(Permit)
        .where(Permit.property_id == g.property.id)
        .order_by(Permit.id.desc())
        # Each row counts its passes.
        .options(selectinload(Permit.passes))
    ).all()
    context.setdefault("form", {})
    context.setdefault("errors", {})
    return render_page(
        "gate/permits.html",
        "content",
        status=status,
        permits=permits,
        states=list(PermitState),
        settings=GateSettings.of(g.property.id),
        **context,
    )


@bp.route("/permits", methods=["GET", "POST"])
@roles_allowed(*OFFICE)
def permits():
    """The property's construction permits, and the form for a new one."""
    if request.method == "GET":
        return _permits_page()
    data, errors = validate_form(PermitSchema())
    if errors:
        return _permits_page(422, form=request.form, errors=errors)
    permit = Permit(property_id=g.property.id, **_permit_values(data))
    db.session.add(permit)
    db.session.commit()
    return redirect(url_for("gate.permit", permit_id=permit.id))


def _permit_values(data: dict) -> dict:
    return {**data, "days": data["days"] or None}


def _permit_page(permit: Permit, status=200, **context):
    context.setdefault("form", {})
    context.setdefault("errors", {})
    context.setdefault("pass_form", {})
    context.setdefault("pass_errors", {})
    return render_page(
        "gate/permit.html",
        "content",
        status=status,
        permit=permit,
        states=list(PermitState),
        settings=GateSettings.of(g.property.id),
        masked_id=masked_id,
        **context,
    )


@bp.route("/permits/<int:permit_id>", methods=["GET", "POST"])
@roles_allowed(*OFFICE)
def permit(permit_id: int):
    """A permit: its details to change (suspend, close), its passes, and a new pass."""
    permit = _own(Permit, permit_id)
    if request.method == "GET":
        return _permit_page(permit)
    data, errors = validate_form(PermitSchema())
    if errors:
        return _permit_page(permit, 422, form=request.form, errors=errors)
    for name, value in _permit_values(data).items():
        setattr(permit, name, value)
    db.session.commit()
    return redirect(url_for("gate.permit", permit_id=permit.id))


# ---- worker passes ---------------------------------------------------------------


def _photo_of_request(data: dict, errors: dict) -> tuple[bytes, str, str] | None:
    """The uploaded photo, its type and the tablets' small copy; errors marked if wrong."""
    upload = request.files.get("photo")
    content = upload.read() if upload else b""
    if not content:
        errors["photo"] = [_("Take or choose a photo of the worker.")]
        return None
    content_type = sniff_type(content[:16])
    too_big = len(content) > current_app.config["KEFU_MAX_ATTACHMENT_BYTES"]
    if content_type not in PHOTO_TYPES or too_big:
        errors["photo"] = [_("The photo must be a JPEG or PNG picture of at most 10 MB.")]
        return None
    thumbnail = data.get("thumbnail") or ""
    if not _good_thumbnail(thumbnail):
        if content_type == "image/jpeg" and len(content) * 4 // 3 < MAX_THUMBNAIL:
            # Small already: the photo itself is what the tablets hold.
            thumbnail = THUMBNAIL_PREFIX + base64.b64encode(content).decode()
        else:
            errors["photo"] = [_("The photo could not be made small for the gate tablets.")]
            return None
    return content, content_type, thumbnail


def _good_thumbnail(thumbnail: str) -> bool:
    if not thumbnail.startswith(THUMBNAIL_PREFIX) or len(thumbnail) > MAX_THUMBNAIL:
        return False
    try:
        decoded = base64.b64decode(thumbnail[len(THUMBNAIL_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return False
    return sniff_type(decoded[:16]) == "image/jpeg"


def _within_permit(data: dict, permit: Permit, errors: dict) -> None:
    if data["valid_from"] < permit.starts_on or data["valid_until"] > permit.ends_on:
        errors["valid_until"] = [_("A pass is valid only within its permit's dates.")]


@bp.route("/permits/<int:permit_id>/passes", methods=["POST"])
@roles_allowed(*OFFICE)
def pass_new(permit_id: int):
    """A worker's pass under the permit: one person, one live pass."""
    permit = _own(Permit, permit_id)
    data, errors = validate_form(PassSchema())
    photo = _photo_of_request(data or {}, errors)
    if data is not None:
        data["id_number"] = data["id_number"].strip().upper()
        _within_permit(data, permit, errors)
        if not errors and _live_pass_of(permit, data["id_number"]) is not None:
            errors["id_number"] = [_("This person already holds a valid pass on this permit.")]
    if errors:
        return _permit_page(permit, 422, pass_form=request.form, pass_errors=errors)
    data.pop("thumbnail", None)
    try:
        worker_pass = issue_pass(permit, photo, **data)
        db.session.commit()
    except IntegrityError:
        # Another office desk issued the same person a pass a moment ago.
        db.session.rollback()
        errors["id_number"] = [_("This person already holds a valid pass on this permit.")]
        return _permit_page(permit, 422, pass_form=request.form, pass_errors=errors)
    return redirect(url_for("gate.pass_page", pass_id=worker_pass.id))


def _live_pass_of(permit: Permit, id_number: str) -> WorkerPass | None:
    return db.session.scalar(
        select(WorkerPass).where(
            (WorkerPass.permit_id == permit.id)
            & (WorkerPass.id_number == id_number)
            & (WorkerPass.state == PassState.LIVE)
        )
    )


def _pass_page(worker_pass: WorkerPass, status=200, **context):
    events = db.session.scalars(
        select(GateEvent)
        .where(GateEvent.pass_id == worker_pass.id)
        .order_by(GateEvent.device_time.desc())
        .limit(50)
        .options(joinedload(GateEvent.created_by))
    ).all()
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return render_page(
        "gate/pass.html",
        "content",
        status=status,
        worker_pass=worker_pass,
        events=events,
        masked_id=masked_id,
        **context,
    )


@bp.route("/passes/<int:pass_id>")
@roles_allowed(*OFFICE)
def pass_page(pass_id: int):
    """A pass's office page: the only place the full ID number is shown."""
    return _pass_page(_own(WorkerPass, pass_id))


@bp.route("/passes/<int:pass_id>/revoke", methods=["POST"])
@roles_allowed(*OFFICE)
def pass_revoke(pass_id: int):
    """Revoke a pass with a reason: tablets say so at their next sync, and drop the photo."""
    worker_pass = _own(WorkerPass, pass_id)
    data, errors = validate_form(ReasonSchema())
    if errors or worker_pass.state is PassState.REVOKED:
        return _pass_page(worker_pass, 422, errors=errors, form=request.form, action="revoke")
    worker_pass.state = PassState.REVOKED
    worker_pass.revoked_reason = data["reason"]
    worker_pass.revoked_at = utcnow()
    if worker_pass.photo is not None:
        worker_pass.photo.live = False
    db.session.commit()
    return redirect(url_for("gate.pass_page", pass_id=worker_pass.id))


@bp.route("/passes/<int:pass_id>/reissue", methods=["POST"])
@roles_allowed(*OFFICE)
def pass_reissue(pass_id: int):
    """Reissue a lost pass: a new QR code; the old card scanned says it was replaced."""
    worker_pass = _own(WorkerPass, pass_id)
    data, errors = validate_form(ReasonSchema())
    if errors or worker_pass.state is PassState.REVOKED:
        return _pass_page(worker_pass, 422, errors=errors, form=request.form, action="reissue")
    worker_pass.retired_tokens = [*worker_pass.retired_tokens, qr_hash(pass_qr(worker_pass))]
    worker_pass.token = new_token()
    worker_pass.issue += 1
    worker_pass.reissued_reason = data["reason"]
    db.session.commit()
    return redirect(url_for("gate.pass_page", pass_id=worker_pass.id))


@bp.route("/passes/<int:pass_id>/print")
@roles_allowed(*OFFICE)
def pass_print(pass_id: int):
    """The card to print: original 正本 and duplicate 副本 side by side."""
    worker_pass = _own(WorkerPass, pass_id)
    return render_page(
        "gate/print.html",
        "content",
        worker_pass=worker_pass,
        qr=qr_svg(pass_qr(worker_pass)),
        settings=GateSettings.of(g.property.id),
    )


@bp.route("/passes/<int:pass_id>/photo")
@roles_allowed(*OFFICE)
def pass_photo(pass_id: int):
    worker_pass = _own(WorkerPass, pass_id)
    if worker_pass.photo is None:
        abort(404)
    response = send_file(
        io.BytesIO(worker_pass.photo.content), mimetype=worker_pass.photo.content_type
    )
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---- exit passes -----------------------------------------------------------------


def _exit_passes_page(status=200, **context):
    rows = db.session.scalars(
        select(ExitPass).where(ExitPass.property_id == g.property.id).order_by(ExitPass.id.desc())
    ).all()
    context.setdefault("form", {})
    context.setdefault("errors", {})
    return render_page(
        "gate/exit_passes.html", "content", status=status, exit_passes=rows, **context
    )


@bp.route("/exit-passes", methods=["GET", "POST"])
@roles_allowed(*OFFICE)
def exit_passes():
    """Exit passes 出门凭证 for large items, and the form to issue one."""
    if request.method == "GET":
        return _exit_passes_page()
    data, errors = validate_form(ExitPassSchema())
    if errors:
        return _exit_passes_page(422, form=request.form, errors=errors)
    exit_pass = issue_exit_pass(g.property.id, g.user.id, **data)
    db.session.commit()
    return redirect(url_for("gate.exit_pass", exit_pass_id=exit_pass.id))


@bp.route("/exit-passes/<int:exit_pass_id>")
@roles_allowed(*OFFICE)
def exit_pass(exit_pass_id: int):
    """One exit pass, printable, with its QR code and its release."""
    found = _own(ExitPass, exit_pass_id)
    releases = db.session.scalars(
        select(GateEvent).where(GateEvent.exit_pass_id == found.id).order_by(GateEvent.received_at)
    ).all()
    return render_page(
        "gate/exit_pass.html",
        "content",
        exit_pass=found,
        releases=releases,
        qr=qr_svg(exit_qr(found)),
    )


# ---- the gate log, flags, settings -----------------------------------------------


@bp.route("/events")
@roles_allowed(*OFFICE)
def events():
    return render_listing(LISTING)


@bp.route("/events/<uuid:record_id>")
@roles_allowed(*OFFICE)
def event(record_id: uuid.UUID):
    found = _own(GateEvent, record_id)
    return render_page("gate/event.html", "content", event=found, columns=COLUMNS)


@bp.route("/flags")
@roles_allowed(*OFFICE)
def flags():
    """What the gate tablets' syncs flagged, with device, guard and both times; and the
    workers still inside after today's closing time, as the server reckons it now."""
    rows = db.session.execute(
        select(flag)
        .where(
            (flag.c.partition_id == g.property.id)
            & flag.c.reason.in_(GATE_FLAGS)
            & flag.c.resolved_at.is_(None)
        )
        .order_by(flag.c.created_at.desc())
        .limit(500)
    ).all()
    users = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))
    }
    devices = {
        d.id: d
        for d in db.session.scalars(
            select(Device).where(Device.id.in_({r.device_id for r in rows}))
        )
    }
    settings = GateSettings.of(g.property.id)
    zone = ZoneInfo(g.property.timezone)
    now = utcnow()
    closing = datetime.combine(
        now.astimezone(zone).date(), parse_clock(settings.closing_time), tzinfo=zone
    )
    return render_page(
        "gate/flags.html",
        "content",
        flags=rows,
        users=users,
        devices=devices,
        reason_labels=reason_labels(),
        closing=closing,
        after_closing=now >= closing,
        inside=still_inside(g.property.id, closing if now >= closing else now),
        to_time=_parse_time,
    )


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@bp.route("/settings", methods=["GET", "POST"])
@roles_allowed(*OFFICE)
def settings():
    """The property's gate settings: working hours and days, closing time, staleness."""
    current = GateSettings.of(g.property.id)
    if request.method == "POST":
        data, errors = validate_form(SettingsSchema())
        if errors:
            return render_page(
                "gate/settings.html",
                "content",
                status=422,
                settings=current,
                form=request.form,
                errors=errors,
            )
        for name, value in data.items():
            setattr(current, name, value)
        db.session.add(current)
        db.session.commit()
        return redirect(url_for("gate.settings"))
    return render_page("gate/settings.html", "content", settings=current, form={}, errors={})
