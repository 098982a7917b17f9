"""What a mutation handler works with: its context, and the batch it may be part of.

A push tries a batch of mutations at once; device-made records then wait to be inserted
together (``NewRecords``). A handler that queries for records the batch may have made
(an overlap check, say) calls ``context.write_new_records()`` first: nothing is written
behind its back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.orm import Session

from sync.changes import change_rows, naive_utc, statements_for
from sync.errors import Rejected
from sync.registry import Actor, Registry
from sync.tables import attachment_ref
from sync.values import jsonable


@dataclass(frozen=True)
class _InsertPlan:
    """How device-made records of one model are inserted without the ORM."""

    statement: Any
    column_of: dict[str, str]  # attribute name -> column name
    defaults: dict[str, Any]  # attribute name -> the column's Python-side default


@cache
def _insert_plan(model: type) -> _InsertPlan:
    column_of, defaults = {}, {}
    for attribute in inspect(model).column_attrs:
        column = attribute.columns[0]
        column_of[attribute.key] = column.key
        if column.default is not None and (column.default.is_scalar or column.default.is_callable):
            defaults[attribute.key] = column.default
    return _InsertPlan(insert(model.__table__), column_of, defaults)


class NewRecords:
    """The device-made records of a batch that is tried at once, inserted together.

    One INSERT per table for the batch, rather than an ORM object and its flush per
    record: that was most of a push's time. A record waits here until a handler asks
    for it to be written (``MutationContext.write_new_records``) or the batch ends; the
    change log gets it then, as a flush would.
    Kinds see these records as plain objects of their column values, defaults filled in.
    """

    def __init__(self, session: Session, registry: Registry, now: datetime):
        self._session = session
        self._registry = registry
        self._now = now
        self._waiting: dict[type, dict[Any, SimpleNamespace]] = {}
        self._written: set[tuple[type, Any]] = set()

    def get(self, model: type, record_id) -> Any:
        """A record made earlier in this batch, as it stands now; None if there is none."""
        waiting = self._waiting.get(model, {}).get(record_id)
        if waiting is None and (model, record_id) in self._written:
            # Written already, so later mutations of the batch may have changed it.
            return self._session.get(model, record_id)
        return waiting

    def add(self, model: type, record_id, values: dict) -> None:
        row = {"id": record_id, **values}
        for name, default in _insert_plan(model).defaults.items():
            if name not in row:
                # SQLAlchemy wraps a default's callable to take an execution context.
                row[name] = default.arg if default.is_scalar else default.arg(None)
        self._waiting.setdefault(model, {})[record_id] = SimpleNamespace(**row)

    def write(self) -> None:
        """Insert the waiting records and their change-log rows."""
        if not self._waiting:
            return
        waiting, self._waiting = self._waiting, {}
        # What the ORM holds was made before these records: first, for foreign keys.
        self._session.flush()
        connection = self._session.connection()
        changes: list[dict] = []
        for model, records in waiting.items():
            plan = _insert_plan(model)
            connection.execute(
                plan.statement,
                [
                    {plan.column_of[name]: value for name, value in vars(record).items()}
                    for record in records.values()
                ],
            )
            self._written.update((model, record_id) for record_id in records)
            kind = self._registry.kind_of_model(model)
            if kind is not None:
                for record_id, record in records.items():
                    changes.extend(change_rows(self._session, kind, record, self._now, record_id))
        if changes:
            connection.execute(statements_for(self._session)["upsert"], changes)


@dataclass
class MutationContext:
    """What a mutation handler works with: the transaction, who sent it, and when."""

    session: Session
    registry: Registry
    actor: Actor
    client_id: uuid.UUID
    mutation_id: int
    device_time: datetime
    received_at: datetime
    # Set while a whole batch is tried at once: device-made records wait in it.
    new_records: NewRecords | None = None
    # The device clock's offset from UTC as reported (``device_time`` is UTC).
    device_utc_offset: int | None = None
    flags: list[dict] = field(default_factory=list)

    def write_new_records(self) -> None:
        """Insert the device-made records this batch has made so far.

        Call it before a query that must see them: a rule that compares a new record
        with the others of its kind (two bookings of one room) would otherwise miss
        those made earlier in the same batch.
        """
        if self.new_records is not None:
            self.new_records.write()

    def flag(self, reason: str, kind: str | None = None, record_id=None, **detail) -> None:
        """Ask the office to look at something; the mutation still applies."""
        self.flags.append(
            {
                "partition_id": self.actor.property_id,
                "kind": kind,
                "record_id": None if record_id is None else str(record_id),
                "reason": reason,
                "detail": jsonable(detail),
                "client_id": self.client_id,
                "mutation_id": self.mutation_id,
                "device_id": self.actor.device_id,
                "user_id": self.actor.user_id,
                "created_at": naive_utc(self.received_at),
            }
        )

    def reject(self, reason: str, message: str):
        raise Rejected(reason, message)

    def reference_attachments(self, kind: str, record_id, attachment_ids) -> None:
        """Note that a record uses these photos, whether or not they have arrived yet."""
        for attachment_id in attachment_ids:
            exists = self.session.execute(
                select(attachment_ref.c.attachment_id).where(
                    (attachment_ref.c.attachment_id == attachment_id)
                    & (attachment_ref.c.kind == kind)
                    & (attachment_ref.c.record_id == str(record_id))
                )
            ).first()
            if exists is None:
                self.session.execute(
                    insert(attachment_ref).values(
                        attachment_id=attachment_id,
                        kind=kind,
                        record_id=str(record_id),
                        partition_id=self.actor.property_id,
                        device_id=self.actor.device_id,
                    )
                )
