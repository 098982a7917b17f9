"""Error pages a person can act on, and JSON errors for devices."""

from flask import Flask, jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.rendering import render_page

RETRY_AFTER_SECONDS = 5


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Reload the page and try again."),
        403: _("Your role may not open this page."),
        404: _("This page does not exist."),
        405: _("This page cannot be used that way."),
        401: _("Please sign in."),
        413: _("What was sent is too large."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on the server. Please try again."),
    }


def _wants_json() -> bool:
    return request.is_json or request.accept_mimetypes.best == "application/json"


def handle_http_error(error: HTTPException):
    message = _messages().get(error.code) or _("The request could not be completed.")
    if _wants_json():
        return jsonify(error=error.name, message=message), error.code
    return render_page(
        "errors/error.html", "content", status=error.code, code=error.code, message=message
    )


def handle_csrf_error(error: CSRFError):
    message = _("This form has expired or lacks its security token. Reload the page and retry.")
    if _wants_json():
        return jsonify(error="csrf", message=message), 400
    return render_page("errors/error.html", "content", status=400, code=400, message=message)


def handle_database_unavailable(error: OperationalError):
    """The database is down or busy: nothing was saved; the device retries by itself."""
    db.session.rollback()
    message = _("The server is busy. Please try again in a moment.")
    if _wants_json() or request.path.startswith("/sync/"):
        response = jsonify(error="unavailable", message=message)
        response.status_code = 503
    else:
        response = render_page(
            "errors/error.html", "content", status=503, code=503, message=message
        )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
