"""Meeting rooms, their bookings, the work each booking makes, and the ticks of that work."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import (
    Device,
    DeviceRecordMixin,
    Floor,
    LabelledEnum,
    Property,
    User,
    UTCDateTime,
    enum_column,
    utcnow,
)


class Layout(LabelledEnum):
    BOARDROOM = "boardroom", _l("Boardroom")
    U_SHAPE = "u_shape", _l("U-shape")
    CLASSROOM = "classroom", _l("Classroom")
    THEATRE = "theatre", _l("Theatre")


class Equipment(LabelledEnum):
    PROJECTOR = "projector", _l("Projector")
    SCREEN = "screen", _l("Screen")
    MICROPHONES = "microphones", _l("Microphones")
    VIDEO = "video", _l("Video conference")


class BookingState(LabelledEnum):
    PENDING = "pending", _l("Awaiting approval")
    CONFIRMED = "confirmed", _l("Approved")
    REJECTED = "rejected", _l("Rejected")
    CANCELLED = "cancelled", _l("Cancelled")
    NO_SHOW = "no_show", _l("No-show")


#: The states that hold a room: no two bookings of one room in these overlap.
HOLDING = (BookingState.PENDING, BookingState.CONFIRMED)


class Repeat(LabelledEnum):
    NONE = "none", _l("Once")
    DAILY = "daily", _l("Daily")
    WEEKLY = "weekly", _l("Weekly")


class TaskKind(LabelledEnum):
    OPEN_EARLY = "open_early", _l("Open the room early")
    CLEANING = "cleaning", _l("Contact cleaning")
    LAYOUT = "layout", _l("Arrange the layout")
    EQUIPMENT = "equipment", _l("Set up and test the equipment")
    TEA = "tea", _l("Prepare tea")
    GREET = "greet", _l("Greet and seat attendees")
    RESTORE = "restore", _l("Restore check")


class Room(db.Model):
    """A meeting room as the office set it up: where it is, what it holds and offers,
    when it is open, and how long it takes to set up and clear down around a booking."""

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floor.id"))
    name: Mapped[str] = mapped_column(String(60))
    capacity: Mapped[int]
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    layouts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The property's local time of day.
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)
    setup_minutes: Mapped[int] = mapped_column(default=30)
    cleardown_minutes: Mapped[int] = mapped_column(default=15)

    property: Mapped[Property] = relationship()
    floor: Mapped[Floor] = relationship()


class Booking(db.Model):
    """One booking of a room: a request until the supervisor decides, then its outcome.

    Made on a tablet (under the UUID the tablet gave it) or on the office's desktop.
    ``held_from``/``held_until`` are its times with the room's buffers around them: the
    interval that no other pending or confirmed booking of the room may touch.
    """

    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"))
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    state: Mapped[BookingState] = mapped_column(enum_column(BookingState))
    title: Mapped[str] = mapped_column(String(120))
    company: Mapped[str] = mapped_column(String(120))
    organiser: Mapped[str] = mapped_column(String(60))
    phone: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    held_from: Mapped[datetime] = mapped_column(UTCDateTime)
    held_until: Mapped[datetime] = mapped_column(UTCDateTime)
    attendees: Mapped[int]
    layout: Mapped[Layout] = mapped_column(enum_column(Layout))
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    tea_for: Mapped[int] = mapped_column(default=0)  # 0: no tea service
    notes: Mapped[str] = mapped_column(Text, default="")
    # The occurrences of a recurring request share the id of its first booking.
    series_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    # Who asked for it, where and when; a desktop request has no device.
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("device.id"))
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    device_utc_offset: Mapped[int | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    room: Mapped[Room] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    device: Mapped[Device | None] = relationship()
    tasks: Mapped[list[BookingTask]] = relationship(
        back_populates="booking", order_by="BookingTask.due_at"
    )

    __table_args__ = (
        Index("ix_booking_room_held", "room_id", "held_from"),
        Index("ix_booking_property_starts", "property_id", "starts_at"),
        Index("ix_booking_property_state", "property_id", "state"),
    )


class BookingTask(db.Model):
    """A piece of work an approved booking makes: setting up before it, the restore check
    after it. The first tick by the device's clock is the one that counts."""

    # uuid5 of the booking and the kind: approving again makes no second task.
    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"))
    booking_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booking.id"), index=True)
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_tick_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    booking: Mapped[Booking] = relationship(back_populates="tasks")
    done_by: Mapped[User | None] = relationship()
    ticks: Mapped[list[TaskTick]] = relationship(order_by="TaskTick.device_time", viewonly=True)


class TaskTick(DeviceRecordMixin, db.Model):
    """Someone ticked a task on a tablet. Every tick is kept; a restore check's tick
    carries what was found: a problem (note, photos), items left behind, room restored."""

    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"))
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booking_task.id"), index=True)
    damaged: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    items_left: Mapped[str] = mapped_column(Text, default="")
    restored: Mapped[bool] = mapped_column(default=True)
