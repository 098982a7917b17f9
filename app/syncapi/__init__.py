"""The web side of the sync engine: device tokens, push, pull, attachments, and the
office's view of what sync refused or flagged. The engine itself is ``sync/``."""

from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Role
from app.navigation import add_nav_item
from sync.attachments import FolderStore
from sync.changes import track_changes
from sync.registry import Registry

bp = Blueprint("syncapi", __name__, url_prefix="/sync", cli_group="sync")

#: The app's registry: each job's blueprint registers its mutations, kinds and scopes here.
registry = Registry()

REVIEWERS = (Role.OFFICE, Role.SUPERVISOR, Role.ADMIN)
add_nav_item("syncapi.problems", _l("Sync problems"), 85, *REVIEWERS)


def server_now() -> datetime:
    """The server's clock as the engine keeps it: UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def current_registry() -> Registry:
    return current_app.extensions["sync_registry"]


_tracking_installed = False


def init_app(app: Flask) -> None:
    """Give the app its registry (tests may bring their own) and its attachment store."""
    global _tracking_installed
    app.extensions["sync_registry"] = app.config.get("SYNC_REGISTRY") or registry
    app.extensions["attachment_store"] = FolderStore(
        app.config.get("KEFU_ATTACHMENT_DIR") or f"{app.instance_path}/attachments"
    )
    # One listener for the process; it asks the current app for its registry.
    if not _tracking_installed:
        track_changes(db.session, current_registry, server_now)
        _tracking_installed = True


from app.syncapi import commands, routes  # noqa: E402,F401
