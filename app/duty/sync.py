"""The duty log on the device: its mutation, and the entries a device holds."""

from datetime import timedelta

from marshmallow import Schema, fields

from app import fields as shared
from app.duty.models import Category, DutyEntry
from app.models import Area, areas_at, device_time_as_reported
from sync.handlers import MutationContext
from sync.merge import insert_device_record
from sync.registry import RecordKind

# A tablet lists its user's entries of the day; a day and a half covers any time zone.
KEPT_ON_DEVICE = timedelta(hours=36)


def serialize(entry: DutyEntry) -> dict:
    return {
        "category": entry.category.value,
        "text": entry.text,
        "area_id": entry.area_id,
        "photo_ids": list(entry.photo_ids or []),
        "device_time": device_time_as_reported(entry).isoformat(),
        "received_at": entry.received_at.isoformat(),
        # A shared tablet lists its current holder's own entries among its holders'.
        "created_by_id": entry.created_by_id,
    }


ENTRY_KIND = RecordKind(
    "duty_entry",
    DutyEntry,
    serialize=serialize,
    scopes=lambda entry: {f"user:{entry.created_by_id}"},
    partition=lambda entry: entry.property_id,
    expires=lambda entry: entry.received_at + KEPT_ON_DEVICE,
)


class EntryArgs(Schema):
    id = fields.UUID(required=True)
    category = fields.Enum(Category, by_value=True, required=True)
    text = shared.text()
    area_id = fields.Integer(load_default=None, allow_none=True)
    photo_ids = shared.photo_ids()


def create_entry(context: MutationContext, args: dict) -> None:
    if args["area_id"] is not None:
        area_here = areas_at(context.actor.property_id, Area.id).where(Area.id == args["area_id"])
        if context.session.scalar(area_here) is None:
            context.reject("wrong_property", "This area is not at your property.")
    add_summary(
        context, args["id"], args["area_id"], args["text"], args["category"], args["photo_ids"]
    )


def add_summary(
    context: MutationContext,
    entry_id,
    area_id: int | None,
    text: str,
    category: Category = Category.OTHER,
    photo_ids=(),
) -> None:
    """Add a line to the duty log as the mutation's user: an entry they wrote, or the
    summary another job's record adds (a patrol round's). The area is the caller's to check."""
    insert_device_record(
        context,
        DutyEntry,
        entry_id,
        {
            "property_id": context.actor.property_id,
            "area_id": area_id,
            "category": category,
            "text": text,
            "photo_ids": [str(photo_id) for photo_id in photo_ids],
        },
    )
    context.reference_attachments("duty_entry", entry_id, photo_ids)
