"""How the patrol pages and tickets name a place: its floor and name, with its building
first where the property has more than one ("副楼 1F · 前台"), as the tablet's list does."""

from collections.abc import Callable

from sqlalchemy import func, select

from app.extensions import db
from app.models import Area, Building


def place_namer(property_id: int) -> Callable[[Area], str]:
    """The names of a property's areas, its buildings counted once."""
    buildings = db.session.scalar(
        select(func.count(Building.id)).where(Building.property_id == property_id)
    )

    def name(area: Area) -> str:
        place = f"{area.floor.name} · {area.name}"
        return f"{area.floor.building.name} {place}" if buildings > 1 else place

    return name
