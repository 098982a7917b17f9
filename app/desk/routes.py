"""A job's records as the office lists them, and the same list as CSV."""

import csv
import io
from datetime import datetime

from flask import Response, abort, g, request, url_for
from sqlalchemy import Select

from app.access import roles_allowed
from app.attachments import arrived
from app.desk import bp
from app.extensions import db
from app.i18n import local_time, shown
from app.jobs import DeskListing, desk_listing
from app.models import Role
from app.rendering import render_page

PAGE_SIZE = 200
# Who may reach any listing at all; each listing names its own roles within these.
DESK_ROLES = (Role.OFFICE, Role.SUPERVISOR, Role.ADMIN)


def _chosen_filters(listing: DeskListing) -> tuple[Select, dict[str, str], dict[str, list]]:
    """The listing's query narrowed by the filters chosen in the URL, what was chosen, and
    each filter's choices. Unknown values are ignored rather than refused, since they come
    from links people keep."""
    query = listing.query(g.property.id)
    chosen, choices = {}, {}
    for choice in listing.filters:
        choices[choice.name] = list(choice.choices(g.property.id))
        value = request.args.get(choice.name, "")
        if value and value in {v for v, _label in choices[choice.name]}:
            query = choice.apply(query, value)
            chosen[choice.name] = value
    return query, chosen, choices


def render_listing(listing: DeskListing):
    """The page of a listing, or only its rows for an htmx filter change."""
    if g.user.role not in listing.roles:
        abort(403)
    query, chosen, choices = _chosen_filters(listing)
    page = max(request.args.get("page", 1, type=int), 1)
    # One record more than a page tells whether an older page exists, without a count.
    records = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    older = len(records) > PAGE_SIZE
    records = records[:PAGE_SIZE]
    photos = [column for column in listing.columns if column.photos]
    photo_ids = [p for r in records for column in photos for p in column.value(r) or []]
    block = "rows" if request.headers.get("HX-Target") == "listing-rows" else "content"
    return render_page(
        "desk/listing.html",
        block,
        listing=listing,
        records=records,
        chosen=chosen,
        choices=choices,
        page=page,
        older=older,
        page_url=lambda to: url_for(request.endpoint, **request.view_args, **chosen, page=to),
        arrived=arrived(photo_ids),
    )


@bp.route("/<name>.csv")
@roles_allowed(*DESK_ROLES)
def listing_csv(name: str):
    """The listing with the same filters as CSV, for Excel (hence the byte-order mark)."""
    listing = desk_listing(name)
    if listing is None:
        abort(404)
    if g.user.role not in listing.roles:
        abort(403)
    query, _chosen, _choices = _chosen_filters(listing)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(column.label) for column in listing.csv_columns])
    for record in db.session.scalars(query):
        writer.writerow([_csv_cell(column, record) for column in listing.csv_columns])
    filename = f"{listing.name}-{local_time(datetime.now().astimezone(), 'yyyyMMdd')}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _csv_cell(column, record) -> str:
    value = column.value(record)
    if column.photos:
        return str(len(value or []))
    return shown(value)
