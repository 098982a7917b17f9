"""What sync adds to the desk's home: the changes it refused today, which the office
reads on the sync problems page."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import HomeFigure, HomeSection
from app.models import Property, Role, utcnow
from sync.tables import rejection


def refused_today(property_id: int) -> int:
    """Changes refused since midnight of the property's day."""
    zone = ZoneInfo(db.session.get(Property, property_id).timezone)
    midnight = datetime.combine(utcnow().astimezone(zone).date(), time(), zone)
    # The engine keeps its times as UTC without a zone.
    since = midnight.astimezone(UTC).replace(tzinfo=None)
    return db.session.scalar(
        select(func.count(rejection.c.id)).where(
            (rejection.c.partition_id == property_id) & (rejection.c.received_at >= since)
        )
    )


HOME = [
    HomeSection(
        _l("Sync"),
        frozenset({Role.OFFICE, Role.SUPERVISOR}),
        40,
        [
            HomeFigure(
                "syncapi.refused",
                _l("Changes refused today"),
                "syncapi.problems",
                count=refused_today,
            )
        ],
    )
]
