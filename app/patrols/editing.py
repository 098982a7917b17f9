"""Changing checklists, schedules and standards: every edit of a checklist is a new
version, and an edited schedule takes effect from now, the old kept for the record."""

from __future__ import annotations

from app.extensions import db
from app.models import User, utcnow
from app.patrols.models import ChecklistItem, ChecklistTemplate, PatrolSchedule

#: The fields of an item that an editor sets (app/patrols/models.py ChecklistItem).
ITEM_FIELDS = (
    "key",
    "label",
    "kind",
    "unit",
    "min_value",
    "max_value",
    "category",
    "photo_required",
)


def items_of(template: ChecklistTemplate) -> list[dict]:
    """A template's items as the editor and ``new_version`` take them."""
    return [{name: getattr(item, name) for name in ITEM_FIELDS} for item in template.items]


def build_template(
    property_id: int, area_kind, version: int, items: list[dict], created_by: User | None
) -> ChecklistTemplate:
    template = ChecklistTemplate(
        property_id=property_id, area_kind=area_kind, version=version, created_by=created_by
    )
    for position, item in enumerate(items):
        template.items.append(ChecklistItem(position=position, **item))
    db.session.add(template)
    return template


def new_version(
    template: ChecklistTemplate, items: list[dict], created_by: User | None
) -> ChecklistTemplate:
    """Replace the current version by one with these items. Tablets get it at their next
    sync; a round begun on the old one finishes on it."""
    template.current = False
    db.session.flush()
    fresh = build_template(
        template.property_id, template.area_kind, template.version + 1, items, created_by
    )
    db.session.flush()
    return fresh


def change_schedule(current: PatrolSchedule | None, area, **fields) -> PatrolSchedule:
    """A new version of an area's schedule, in effect from now."""
    if current is not None:
        current.current = False
        db.session.flush()
    schedule = PatrolSchedule(
        property_id=area.floor.building.property_id, area=area, effective_from=utcnow(), **fields
    )
    db.session.add(schedule)
    db.session.flush()
    return schedule
