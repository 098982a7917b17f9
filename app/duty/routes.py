"""Writing the duty log on a tablet; reading it in the office."""

import uuid

from flask import abort, g

from app.access import roles_allowed
from app.attachments import arrived
from app.desk import render_listing
from app.duty import READERS, WRITERS, bp
from app.duty.desk import COLUMNS, LISTING
from app.duty.models import Category, DutyEntry
from app.extensions import db
from app.models import Area, Floor, areas_at
from app.rendering import render_page


@bp.route("/")
@roles_allowed(*WRITERS)
def write():
    """The form, and the writer's entries of the day as this device knows them."""
    return render_page(
        "duty/write.html",
        "content",
        categories=list(Category),
        categories_json=Category.labels(),
        areas=db.session.scalars(areas_at(g.property.id).order_by(Floor.level, Area.name)).all(),
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
    return render_listing(LISTING)


@bp.route("/review/<uuid:record_id>")
@roles_allowed(*READERS)
def entry(record_id: uuid.UUID):
    """One entry with everything known of it: who, on which device, both clocks, photos."""
    entry = db.session.get(DutyEntry, record_id)
    if entry is None or entry.property_id != g.property.id:
        abort(404)
    return render_page(
        "duty/entry.html", "content", entry=entry, columns=COLUMNS, arrived=arrived(entry.photo_ids)
    )
