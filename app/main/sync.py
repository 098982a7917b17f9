"""What floor staff's tablets hold of the property's places."""

from app.models import Area, Role
from app.syncapi import registry
from sync.registry import Actor, RecordKind


def _serialize(area: Area) -> dict:
    floor = area.floor
    return {
        "name": area.name,
        "kind": area.kind.value,
        "floor": floor.name,
        "level": floor.level,
        "building": floor.building.name,
    }


registry.kind(
    RecordKind(
        "area",
        Area,
        serialize=_serialize,
        scopes=lambda area: {"property"},
        partition=lambda area: area.floor.building.property_id,
    )
)


@registry.scope_rule
def devices_hold_their_own_records(actor: Actor):
    """Everyone who syncs holds what they made recently; floor staff also hold the places."""
    tags = {f"user:{actor.user_id}"}
    if actor.role == Role.FLOOR_STAFF.value:
        tags.add("property")
    return tags
