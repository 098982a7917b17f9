"""Photos the devices uploaded, served to the people who may read the records using them."""

from flask import Blueprint

from app.jobs import Job

bp = Blueprint("attachments", __name__, url_prefix="/attachments")

PART = Job("attachments", bp)

from app.attachments.routes import arrived  # noqa: E402,F401
