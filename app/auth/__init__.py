"""Signing in and out, device enrollment and the choice of language."""

from flask import Blueprint

from app.jobs import Job

bp = Blueprint("auth", __name__, url_prefix="/auth")

PART = Job("auth", bp)

from app.auth import routes  # noqa: E402,F401
