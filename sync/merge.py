"""The merge rules that handlers call: device-made records and per-field edits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from sync.changes import naive_utc
from sync.handlers import MutationContext
from sync.tables import field_history
from sync.values import jsonable

# Who made a device record, on which device and when: set by the engine, not the device.
PROVENANCE = ("created_by_id", "device_id", "device_time", "device_utc_offset", "received_at")


def insert_device_record(context: MutationContext, model: type, record_id, values: dict) -> bool:
    """Insert a record made on a device under the UUID the device gave it; True if it is new.

    The same id with the same content is a repeat and changes nothing; the same id with
    other content is a conflict: the stored record stays, and the office is told.
    """
    row = dict(values)
    for name, value in zip(
        PROVENANCE,
        (
            context.actor.user_id,
            context.actor.device_id,
            context.device_time,
            context.device_utc_offset,
            context.received_at,
        ),
        strict=True,
    ):
        if hasattr(model, name):
            row[name] = value
    new_records = context.new_records
    if new_records is not None:
        # No query: a record already stored fails the batch's insert instead, and the
        # batch is retried one by one. Only this batch's own records are looked at.
        existing = new_records.get(model, record_id)
        if existing is None:
            new_records.add(model, record_id, row)
            return True
    else:
        existing = context.session.get(model, record_id)
        if existing is None:
            context.session.add(model(id=record_id, **row))
            return True
    kind = context.registry.kind_of_model(model)
    if kind.partition(existing) != context.actor.property_id:
        # Said without a word of the stored record: it belongs to another property.
        context.reject("id_taken", "This id is taken; the device must make a new one.")
    stored = {name: getattr(existing, name) for name in values}
    if jsonable(stored) != jsonable(values):
        context.flag(
            "id_conflict",
            kind.name,
            record_id,
            stored=stored,
            incoming=values,
            message="The same id arrived with other content; the stored record was kept.",
        )
    return False


def edit_fields(context: MutationContext, record: Any, base_version: int, values: dict) -> None:
    """Apply a device's edit of some fields of a shared record.

    Each field takes the value received last. A field that someone else changed after
    ``base_version`` is a collision: the record is flagged for the office, and the field
    history keeps both values.
    """
    session = context.session
    kind = context.registry.kind_of_model(type(record))
    record_id = str(record.id)
    changed = {name: value for name, value in values.items() if getattr(record, name) != value}
    last_changed = dict(
        session.execute(
            select(field_history.c.field, func.max(field_history.c.version))
            .where(
                (field_history.c.kind == kind.name)
                & (field_history.c.record_id == record_id)
                & field_history.c.field.in_(sorted(values))
                # The device's own earlier edits are not someone else's.
                & (
                    field_history.c.client_id.is_(None)
                    | (field_history.c.client_id != context.client_id)
                )
            )
            .group_by(field_history.c.field)
        ).all()
    )
    collided = sorted(name for name in changed if last_changed.get(name, 0) > base_version)
    if not changed:
        return
    record.version += 1
    for name, value in changed.items():
        setattr(record, name, value)
    record_history(context, kind.name, record_id, changed, record.version, base_version)
    if collided:
        context.flag(
            "concurrent_edit",
            kind.name,
            record_id,
            fields=collided,
            base_version=base_version,
            applied_version=record.version,
        )


def record_history(context, kind_name, record_id, values, version, base_version=None) -> None:
    """Keep the values a shared record's fields took; creation is the first entry."""
    context.session.execute(
        insert(field_history),
        [
            {
                "kind": kind_name,
                "record_id": str(record_id),
                "field": name,
                "value": jsonable(value),
                "version": version,
                "base_version": base_version,
                "client_id": context.client_id,
                "mutation_id": context.mutation_id,
                "user_id": context.actor.user_id,
                "received_at": naive_utc(context.received_at),
            }
            for name, value in values.items()
        ],
    )
