"""The duty log on the device: its mutation, and the entries a device holds."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from app.duty.models import MAX_PHOTOS, Category, DutyEntry
from app.models import Area, Role, areas_at
from app.syncapi import registry
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
        "device_time": entry.device_time.isoformat(),
        "received_at": entry.received_at.isoformat(),
    }


registry.kind(
    RecordKind(
        "duty_entry",
        DutyEntry,
        serialize=serialize,
        scopes=lambda entry: {f"user:{entry.created_by_id}"},
        partition=lambda entry: entry.property_id,
        expires=lambda entry: entry.received_at + KEPT_ON_DEVICE,
    )
)


class EntryArgs(Schema):
    id = fields.UUID(required=True)
    category = fields.Enum(Category, by_value=True, required=True)
    text = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000, error=_l("1 to 2000 characters.")),
    )
    area_id = fields.Integer(load_default=None, allow_none=True)
    photo_ids = fields.List(
        fields.UUID(),
        load_default=list,
        validate=validate.Length(max=MAX_PHOTOS, error=_l("At most 4 photos.")),
    )


@registry.mutation(
    "duty.create_entry@1", EntryArgs, roles={Role.FLOOR_STAFF.value, Role.GUARD.value}
)
def create_entry(context: MutationContext, args: dict) -> None:
    if args["area_id"] is not None:
        area_here = areas_at(context.actor.property_id, Area.id).where(Area.id == args["area_id"])
        if context.session.scalar(area_here) is None:
            context.reject("wrong_property", "This area is not at your property.")
    photo_ids = [str(photo_id) for photo_id in args["photo_ids"]]
    insert_device_record(
        context,
        DutyEntry,
        args["id"],
        {
            "property_id": context.actor.property_id,
            "area_id": args["area_id"],
            "category": args["category"],
            "text": args["text"],
            "photo_ids": photo_ids,
        },
    )
    context.reference_attachments("duty_entry", args["id"], args["photo_ids"])
