"""Sync routes: the tablet's token, push, pull and uploads; the office's problem list."""

import json
import secrets
import uuid

from flask import current_app, g, jsonify, request
from sqlalchemy import select

from app.access import ALL_ROLES, device_api, hash_token, roles_allowed
from app.extensions import db
from app.jobs import current_jobs, reason_labels
from app.models import User
from app.rendering import render_page
from app.syncapi import REVIEWERS, bp, current_registry, server_now
from sync import engine
from sync.attachments import missing_attachments, store_attachment
from sync.errors import ProtocolError, TransientError
from sync.registry import Actor
from sync.tables import flag, rejection
from sync.values import shown_text

# Enough for any payload the engine keeps (sync.values.MAX_KEPT_ARGS_CHARS) and its flags.
SHOWN_JSON_CHARS = 20_000


def _actor() -> Actor:
    return Actor(g.device.id, g.user.id, g.user.role.value, g.device.property_id)


def _json_body():
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # Nested deeper than the parser goes: no device sends that.
        body = None
    if body is None:
        raise ProtocolError(400, "invalid_json", "The body is not valid JSON.")
    return body


@bp.errorhandler(ProtocolError)
def protocol_error(error: ProtocolError):
    return jsonify(error=error.code, message=error.message, **error.details), error.status


@bp.errorhandler(TransientError)
def transient_error(error: TransientError):
    response = jsonify(
        error="unavailable", message="The server is busy; the device will retry by itself."
    )
    response.status_code = 503
    response.headers["Retry-After"] = str(TransientError.retry_after_seconds)
    return response


def _note_storage_persisted() -> None:
    reported = request.headers.get("X-Storage-Persisted")
    if reported in ("true", "false") and g.device.storage_persisted != (reported == "true"):
        g.device.storage_persisted = reported == "true"
        db.session.commit()


@bp.app_template_filter("readable_json")
def readable_json(value) -> str:
    """JSON as people read it: Chinese text stays text (tojson writes \\u escapes), and a
    broken character a device once sent is shown as one rather than breaking the page."""
    return shown_text(json.dumps(value, ensure_ascii=False, sort_keys=True), SHOWN_JSON_CHARS)


@bp.route("/token", methods=["POST"])
@roles_allowed(*ALL_ROLES)
def token():
    """Give the signed-in device a new sync token; the previous one stops working."""
    if g.device is None:
        return jsonify(error="no_device", message="Sign in on this device first."), 409
    secret = secrets.token_urlsafe(32)
    g.device.token_hash = hash_token(secret)
    db.session.commit()
    return jsonify(
        token=secret,
        device_id=str(g.device.id),
        user_id=g.user.id,
        role=g.user.role.value,
        property_id=g.device.property_id,
    )


@bp.route("/push", methods=["POST"])
@device_api(*ALL_ROLES)
def push():
    _note_storage_persisted()
    reply = engine.push(db.session, current_registry(), _actor(), _json_body(), server_now())
    labels = reason_labels()
    for result in reply["results"]:
        # The tablet shows this to its user: in their language, the engine's words after it.
        if result["status"] == "rejected" and result["reason"] in labels:
            result["detail"] = result["message"]
            result["message"] = str(labels[result["reason"]])
    return jsonify(reply)


@bp.route("/pull", methods=["POST"])
@device_api(*ALL_ROLES)
def pull():
    reply = engine.pull(db.session, current_registry(), _actor(), _json_body(), server_now())
    return current_app.response_class(reply.to_json(), mimetype="application/json")


@bp.route("/attachments/<uuid:attachment_id>", methods=["PUT"])
@device_api(*ALL_ROLES)
def put_attachment(attachment_id: uuid.UUID):
    max_bytes = current_app.config["KEFU_MAX_ATTACHMENT_BYTES"]
    if (request.content_length or 0) > max_bytes:
        raise ProtocolError(413, "too_large", "This file is too large.", max_bytes=max_bytes)
    created = store_attachment(
        db.session,
        current_app.extensions["attachment_store"],
        attachment_id=attachment_id,
        content=request.get_data(cache=False)[: max_bytes + 1],
        declared_type=request.content_type or "",
        declared_sha256=request.headers.get("X-Content-SHA256", ""),
        partition_id=g.device.property_id,
        device_id=g.device.id,
        now=server_now(),
        max_bytes=max_bytes,
    )
    return jsonify(id=str(attachment_id), stored=True), 201 if created else 200


@bp.route("/problems")
@roles_allowed(*REVIEWERS)
def problems():
    """What sync refused or flagged at this property, newest first."""
    property_id = g.property.id if g.property else None
    rejections = db.session.execute(
        select(rejection)
        .where(rejection.c.partition_id == property_id)
        .order_by(rejection.c.received_at.desc())
        .limit(200)
    ).all()
    flags = db.session.execute(
        select(flag)
        .where((flag.c.partition_id == property_id) & flag.c.resolved_at.is_(None))
        .order_by(flag.c.created_at.desc())
        .limit(200)
    ).all()
    missing = missing_attachments(db.session, property_id)
    user_ids = {row.user_id for row in [*rejections, *flags] if row.user_id is not None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(user_ids)))}
    return render_page(
        "syncapi/problems.html",
        "content",
        rejections=rejections,
        flags=flags,
        missing=missing,
        users=users,
        reason_labels=reason_labels(),
        mutation_labels={m.name: m.label for job in current_jobs() for m in job.mutations},
    )
