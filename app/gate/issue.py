"""Issuing passes: what the office's forms, the demo, the tests and the bench share."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from app.extensions import db
from app.gate.models import ExitPass, PassPhoto, Permit, WorkerPass
from app.gate.sync import end_of_day, zone_of


def new_token() -> str:
    """The unguessable part of a QR code: 192 random bits."""
    return secrets.token_urlsafe(24)


def next_number(model, property_id: int) -> int:
    latest = db.session.scalar(
        select(func.max(model.number)).where(model.property_id == property_id)
    )
    return (latest or 0) + 1


def issue_pass(
    permit: Permit,
    photo: tuple[bytes, str, str],
    number: int | None = None,
    **values,
) -> WorkerPass:
    """A worker's pass under ``permit`` with its photo (bytes, type, the tablets' data
    URL), numbered next at the property unless ``number`` is given; flushed, not committed."""
    worker_pass = WorkerPass(
        property_id=permit.property_id,
        permit=permit,
        number=number or next_number(WorkerPass, permit.property_id),
        token=new_token(),
        **values,
    )
    db.session.add(worker_pass)
    db.session.flush()
    content, content_type, thumbnail = photo
    db.session.add(
        PassPhoto(
            property_id=permit.property_id,
            worker_pass=worker_pass,
            content=content,
            content_type=content_type,
            thumbnail=thumbnail,
            expires_at=end_of_day(worker_pass.valid_until, zone_of(permit.property_id)),
        )
    )
    return worker_pass


def issue_exit_pass(property_id: int, issued_by_id: int, **values) -> ExitPass:
    exit_pass = ExitPass(
        property_id=property_id,
        number=next_number(ExitPass, property_id),
        token=new_token(),
        issued_by_id=issued_by_id,
        **values,
    )
    db.session.add(exit_pass)
    return exit_pass
