"""``GET /attachments/<id>``: one route for every job's photos."""

import io
import uuid
from collections.abc import Iterable

from flask import abort, current_app, g, send_file
from sqlalchemy import select

from app.access import ALL_ROLES, roles_allowed
from app.attachments import bp
from app.extensions import db
from app.jobs import photo_readers
from sync.tables import attachment, attachment_ref

# Served inside the browser's sandbox: a photo is never a page that runs anything.
PHOTO_POLICY = "default-src 'none'; img-src 'self'; sandbox"


def arrived(photo_ids: Iterable[str]) -> set[str]:
    """Which of these photos the server holds; the others are still on their device."""
    wanted = set()
    for photo_id in photo_ids:
        try:
            wanted.add(uuid.UUID(str(photo_id)))
        except ValueError:
            continue
    if not wanted:
        return set()
    found = db.session.scalars(select(attachment.c.id).where(attachment.c.id.in_(wanted)))
    return {str(photo_id) for photo_id in found}


@bp.route("/<uuid:attachment_id>")
@roles_allowed(*ALL_ROLES)
def photo(attachment_id: uuid.UUID):
    """The photo, to a user of its property whose role may read a record that uses it."""
    stored = db.session.execute(
        select(attachment.c.content_type, attachment.c.partition_id).where(
            attachment.c.id == attachment_id
        )
    ).first()
    if stored is None or stored.partition_id not in {p.id for p in g.user.properties}:
        abort(404)
    kinds = db.session.scalars(
        select(attachment_ref.c.kind).where(
            (attachment_ref.c.attachment_id == attachment_id)
            & (attachment_ref.c.partition_id == stored.partition_id)
        )
    )
    if not any(g.user.role in photo_readers(kind) for kind in set(kinds)):
        abort(404)
    content = current_app.extensions["attachment_store"].read(attachment_id)
    response = send_file(io.BytesIO(content), mimetype=stored.content_type, max_age=3600)
    # Photos are people's records, not public assets: no shared cache may keep them.
    response.cache_control.public = False
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = PHOTO_POLICY
    return response
