"""The web side of the sync engine: device tokens, push, pull, attachments, and the
office's view of what sync refused or flagged. The engine itself is ``sync/``."""

from datetime import UTC, datetime

from flask import Blueprint, Flask, current_app
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.jobs import Job, NavEntry
from app.models import Role
from app.syncapi.home import HOME
from sync.attachments import FolderStore
from sync.changes import track_changes
from sync.registry import Actor, Registry

bp = Blueprint("syncapi", __name__, url_prefix="/sync", cli_group="sync")

REVIEWERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ADMIN})


def devices_hold_their_own_records(actor: Actor) -> set[str]:
    """Everyone who syncs holds what they made recently."""
    return {f"user:{actor.user_id}"}


PART = Job(
    "syncapi",
    bp,
    nav=[NavEntry("syncapi.problems", _l("Sync problems"), 85, REVIEWERS)],
    scope_rules=[devices_hold_their_own_records],
    home=HOME,
    # What the engine itself refuses or flags for; each job names its own reasons.
    reason_labels={
        "id_conflict": _l("Same id, other content: the first was kept"),
        "concurrent_edit": _l("Edited by two people at once: the later value was kept"),
        "clock_skew": _l("Device clock more than a day off"),
        "invalid": _l("Invalid content"),
        "forbidden": _l("Not allowed for this role"),
        "not_found": _l("Refers to something that does not exist here"),
        "constraint": _l("Conflicts with stored data"),
        "id_taken": _l("Its id is used by another record"),
        "rejections_dropped": _l("Too many refused changes from one device: not all were kept"),
    },
)


def server_now() -> datetime:
    """The server's clock as the engine keeps it: UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def current_registry() -> Registry:
    return current_app.extensions["sync_registry"]


_tracking_installed = False


def init_app(app: Flask, registry: Registry) -> None:
    """Give the app the registry its jobs filled (tests may bring their own) and its
    attachment store."""
    global _tracking_installed
    app.extensions["sync_registry"] = app.config.get("SYNC_REGISTRY") or registry
    app.extensions["attachment_store"] = FolderStore(
        app.config.get("KEFU_ATTACHMENT_DIR") or f"{app.instance_path}/attachments"
    )
    # One listener for the process, however many apps it makes; it asks the current
    # app for its registry.
    if not _tracking_installed:
        track_changes(db.session, current_registry, server_now)
        _tracking_installed = True


from app.syncapi import commands, routes  # noqa: E402,F401
