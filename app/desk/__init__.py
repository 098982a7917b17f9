"""The office desk: the lists of every job's records that the jobs declare, with their
filters and CSV export (``app.jobs.DeskListing``)."""

from flask import Blueprint

from app.jobs import Job

bp = Blueprint("desk", __name__, url_prefix="/desk")

PART = Job("desk", bp)

from app.desk.routes import render_listing  # noqa: E402,F401
