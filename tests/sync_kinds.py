"""Record kinds of the engine's own tests, registered as the jobs will register theirs.

A device-made note, a shared task with several fields, a notice whose scope follows one
of its fields, a booking with the overlap rule, and gate scans against passes. They live
on a MetaData of their own.
"""

import uuid
from datetime import UTC, datetime, timedelta

from marshmallow import Schema, fields, validate
from sqlalchemy import DateTime, Integer, MetaData, String, Uuid, event, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from sync.handlers import MutationContext
from sync.merge import edit_fields, insert_device_record
from sync.registry import Actor, RecordKind, Registry

OWN_RECORDS_KEPT = timedelta(days=7)
FLOOR, GUARD, OFFICE = "floor_staff", "guard", "office"


class Base(DeclarativeBase):
    metadata = MetaData()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Note(Base):
    __tablename__ = "test_note"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    photo_ids: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    device_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Task(Base):
    """A shared record: several people edit its fields."""

    __tablename__ = "test_task"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    property_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    note: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)


class Notice(Base):
    """A shared record whose scope follows a field: whom it is for."""

    __tablename__ = "test_notice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    property_id: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer, default=1)


NOTICE_SCOPE = {"floor": "property", "gate": "gate"}


class Booking(Base):
    __tablename__ = "test_booking"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), default="confirmed")
    created_by_id: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    device_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Pass(Base):
    __tablename__ = "test_pass"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    property_id: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(60))
    valid_until: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)


class GateScan(Base):
    __tablename__ = "test_gate_scan"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(Integer)
    pass_id: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(5))
    created_by_id: Mapped[int] = mapped_column(Integer)
    device_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    device_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@event.listens_for(Booking.__table__, "after_create")
def _no_overlap_on_postgresql(target, connection, **kw):
    if connection.dialect.name == "postgresql":
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        connection.execute(
            text(
                "ALTER TABLE test_booking ADD CONSTRAINT test_booking_no_overlap "
                "EXCLUDE USING gist (room WITH =, tsrange(starts_at, ends_at) WITH &&) "
                "WHERE (status = 'confirmed')"
            )
        )


def _columns(record, *names) -> dict:
    data = {}
    for name in names:
        value = getattr(record, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return data


def build_registry() -> Registry:
    registry = Registry()
    registry.kind(
        RecordKind(
            "note",
            Note,
            serialize=lambda n: {**_columns(n, "text", "photo_ids", "created_by_id")},
            scopes=lambda n: {f"user:{n.created_by_id}"},
            partition=lambda n: n.property_id,
            expires=lambda n: _aware(n.received_at) + OWN_RECORDS_KEPT,
        )
    )
    registry.kind(
        RecordKind(
            "task",
            Task,
            serialize=lambda t: _columns(t, "title", "status", "note", "version"),
            scopes=lambda t: {"property"},
            partition=lambda t: t.property_id,
        )
    )
    registry.kind(
        RecordKind(
            "notice",
            Notice,
            serialize=lambda n: _columns(n, "text", "audience", "version"),
            scopes=lambda n: {NOTICE_SCOPE[n.audience]},
            partition=lambda n: n.property_id,
        )
    )
    registry.kind(
        RecordKind(
            "booking",
            Booking,
            serialize=lambda b: _columns(b, "room", "starts_at", "ends_at", "status"),
            scopes=lambda b: {"rooms"},
            partition=lambda b: b.property_id,
            expires=lambda b: b.ends_at.replace(tzinfo=UTC),
        )
    )
    registry.kind(
        RecordKind(
            "pass",
            Pass,
            serialize=lambda p: _columns(p, "holder", "valid_until", "revoked_at"),
            scopes=lambda p: {"gate"},
            partition=lambda p: p.property_id,
        )
    )
    registry.kind(
        RecordKind(
            "gate_scan",
            GateScan,
            serialize=lambda s: _columns(s, "pass_id", "direction"),
            scopes=lambda s: {f"user:{s.created_by_id}"},
            partition=lambda s: s.property_id,
            expires=lambda s: _aware(s.received_at) + OWN_RECORDS_KEPT,
        )
    )

    @registry.scope_rule
    def by_role(actor: Actor):
        if actor.role == FLOOR:
            return {"property", "rooms", f"user:{actor.user_id}"}
        if actor.role == GUARD:
            return {"gate", f"user:{actor.user_id}"}
        return set()

    class NoteArgs(Schema):
        id = fields.UUID(required=True)
        text = fields.String(required=True, validate=validate.Length(min=1, max=500))
        photo_ids = fields.List(fields.UUID(), load_default=list)

    @registry.mutation("note.create@1", NoteArgs, roles={FLOOR, GUARD})
    def create_note(context: MutationContext, args):
        insert_device_record(
            context,
            Note,
            args["id"],
            {
                "property_id": context.actor.property_id,
                "text": args["text"],
                "photo_ids": ",".join(str(p) for p in args["photo_ids"]),
            },
        )
        context.reference_attachments("note", args["id"], args["photo_ids"])

    class TaskEditArgs(Schema):
        id = fields.Integer(required=True)
        base_version = fields.Integer(required=True)
        title = fields.String(validate=validate.Length(min=1, max=200))
        status = fields.String(validate=validate.OneOf(["open", "doing", "done"]))
        note = fields.String(validate=validate.Length(max=500))

    @registry.mutation("task.edit@1", TaskEditArgs, roles={FLOOR})
    def edit_task(context: MutationContext, args):
        task = context.session.get(Task, args.pop("id"))
        if task is None or task.property_id != context.actor.property_id:
            context.reject("not_found", "No such task at this property.")
        edit_fields(context, task, args.pop("base_version"), args)

    class NoticeEditArgs(Schema):
        id = fields.Integer(required=True)
        base_version = fields.Integer(required=True)
        audience = fields.String(validate=validate.OneOf(sorted(NOTICE_SCOPE)))

    @registry.mutation("notice.edit@1", NoticeEditArgs, roles={FLOOR, GUARD})
    def edit_notice(context: MutationContext, args):
        notice = context.session.get(Notice, args.pop("id"))
        if notice is None or notice.property_id != context.actor.property_id:
            context.reject("not_found", "No such notice at this property.")
        edit_fields(context, notice, args.pop("base_version"), args)

    class BookingArgs(Schema):
        id = fields.UUID(required=True)
        room = fields.String(required=True)
        starts_at = fields.NaiveDateTime(required=True)
        ends_at = fields.NaiveDateTime(required=True)

    @registry.mutation("booking.create@1", BookingArgs, roles={FLOOR})
    def create_booking(context: MutationContext, args):
        if args["ends_at"] <= args["starts_at"]:
            context.reject("invalid", "A booking ends after it starts.")
        # Bookings made earlier in this batch count too.
        context.write_new_records()
        if context.session.get(Booking, args["id"]) is None:
            # Serialised on SQLite by the write lock that the push already holds;
            # PostgreSQL's exclusion constraint backs it up under concurrency.
            clash = context.session.scalar(
                select(Booking.id).where(
                    (Booking.room == args["room"])
                    & (Booking.status == "confirmed")
                    & (Booking.starts_at < args["ends_at"])
                    & (Booking.ends_at > args["starts_at"])
                )
            )
            if clash is not None:
                context.reject("overlap", "The room is already booked for that time.")
        booking_id = args.pop("id")
        insert_device_record(
            context, Booking, booking_id, {"property_id": context.actor.property_id, **args}
        )

    class BookingCancelArgs(Schema):
        id = fields.UUID(required=True)

    @registry.mutation("booking.cancel@1", BookingCancelArgs, roles={FLOOR})
    def cancel_booking(context: MutationContext, args):
        context.write_new_records()
        booking = context.session.get(Booking, args["id"])
        if booking is None:
            context.reject("not_found", "No such booking.")
        booking.status = "cancelled"

    class ScanArgs(Schema):
        id = fields.UUID(required=True)
        pass_id = fields.Integer(required=True)
        direction = fields.String(required=True, validate=validate.OneOf(["in", "out"]))

    @registry.mutation("gate.scan@1", ScanArgs, roles={GUARD})
    def scan(context: MutationContext, args):
        gate_pass = context.session.get(Pass, args["pass_id"])
        if gate_pass is None or gate_pass.property_id != context.actor.property_id:
            context.reject("not_found", "No such pass at this property.")
        # It happened: the entry is kept, and flagged if the pass was not valid then.
        at = context.device_time.astimezone(UTC).replace(tzinfo=None)
        if gate_pass.revoked_at is not None and gate_pass.revoked_at <= at:
            context.flag("revoked_pass", "gate_scan", args["id"], pass_id=gate_pass.id)
        elif gate_pass.valid_until <= at:
            context.flag("expired_pass", "gate_scan", args["id"], pass_id=gate_pass.id)
        scan_id = args.pop("id")
        insert_device_record(
            context, GateScan, scan_id, {"property_id": context.actor.property_id, **args}
        )

    return registry


def make_task(session, property_id: int, title: str) -> Task:
    """A shared record as the office makes it."""
    task = Task(property_id=property_id, title=title, status="open", note="", version=1)
    session.add(task)
    session.commit()
    return task
