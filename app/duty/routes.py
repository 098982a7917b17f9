"""Writing the duty log on a tablet; reading it in the office."""

import io
import uuid

from flask import abort, current_app, g, send_file
from sqlalchemy import select

from app.access import roles_allowed
from app.duty import READERS, WRITERS, bp
from app.duty.models import MAX_PHOTOS, Category, DutyEntry
from app.extensions import db
from app.models import Area, Floor, areas_at
from app.rendering import render_page
from sync.tables import attachment

REVIEW_PAGE_SIZE = 200


@bp.route("/")
@roles_allowed(*WRITERS)
def write():
    """The form, and the writer's entries of the day as this device knows them."""
    return render_page(
        "duty/write.html",
        "content",
        categories=list(Category),
        categories_json={c.value: c.label for c in Category},
        areas=db.session.scalars(areas_at(g.property.id).order_by(Floor.level, Area.name)).all(),
        max_photos=MAX_PHOTOS,
    )


@bp.route("/entries/<uuid:entry_id>")
@roles_allowed(*WRITERS)
def saved(entry_id: uuid.UUID):
    """The confirmation of an entry the server holds: the fragment a save swaps in."""
    entry = db.session.get(DutyEntry, entry_id)
    if entry is None or entry.created_by_id != g.user.id:
        abort(404)
    return render_page("duty/write.html", "saved", entry=entry)


@bp.route("/review")
@roles_allowed(*READERS)
def review():
    entries = db.session.scalars(
        select(DutyEntry)
        .where(DutyEntry.property_id == g.property.id)
        .order_by(DutyEntry.received_at.desc())
        .limit(REVIEW_PAGE_SIZE)
    ).all()
    photo_ids = {uuid.UUID(p) for entry in entries for p in entry.photo_ids}
    arrived = set(db.session.scalars(select(attachment.c.id).where(attachment.c.id.in_(photo_ids))))
    return render_page(
        "duty/review.html", "content", entries=entries, arrived={str(p) for p in arrived}
    )


@bp.route("/photos/<uuid:photo_id>")
@roles_allowed(*READERS)
def photo(photo_id: uuid.UUID):
    stored = db.session.execute(
        select(attachment.c.content_type).where(
            (attachment.c.id == photo_id) & (attachment.c.partition_id == g.property.id)
        )
    ).first()
    if stored is None:
        abort(404)
    content = current_app.extensions["attachment_store"].read(photo_id)
    return send_file(io.BytesIO(content), mimetype=stored.content_type, max_age=3600)
