"""The property's places (buildings, floors, areas): the page that lists them, where the
admin manages them; their checkpoint stickers; and the copy that floor staff's tablets
hold for every job that works by area."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from app.access import ALL_ROLES
from app.jobs import Job, NavEntry
from app.models import Area, Role
from app.places.checkpoints import CHECKPOINT_PREFIX
from sync.registry import Actor, RecordKind

bp = Blueprint("places", __name__)

#: Who may open an area's page and print stickers; only the admin changes places.
VIEWERS = frozenset({Role.OFFICE, Role.SUPERVISOR, Role.ADMIN})
__all__ = ["CHECKPOINT_PREFIX", "JOB", "VIEWERS", "bp"]


def _serialize(area: Area) -> dict:
    floor = area.floor
    return {
        "name": area.name,
        "kind": area.kind.value,
        "floor": floor.name,
        "level": floor.level,
        "building": floor.building.name,
        "checkpoint_code": area.checkpoint_code,
    }


def floor_staff_hold_the_places(actor: Actor) -> set[str]:
    return {"property"} if actor.role == Role.FLOOR_STAFF.value else set()


JOB = Job(
    "places",
    bp,
    nav=[NavEntry("places.index", _l("Places"), 80, ALL_ROLES)],
    kinds=[
        RecordKind(
            "area",
            Area,
            serialize=_serialize,
            scopes=lambda area: {"property"},
            partition=lambda area: area.floor.building.property_id,
        )
    ],
    scope_rules=[floor_staff_hold_the_places],
)

from app.places import routes  # noqa: E402,F401
