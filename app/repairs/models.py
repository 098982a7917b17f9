"""Repair tickets (维修单) and the steps that move each one from open to verified."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import (
    Area,
    Device,
    DeviceRecordMixin,
    LabelledEnum,
    Property,
    User,
    UTCDateTime,
    enum_column,
    utcnow,
)


class RepairCategory(LabelledEnum):
    """What is broken; a patrol item says which category its problems go to."""

    DOORS_WINDOWS = "doors_windows", _l("Doors and windows")
    GATES = "gates", _l("Entrances and barrier gates")
    LIGHTING = "lighting", _l("Lighting")
    FIRE = "fire", _l("Fire equipment")
    HVAC = "hvac", _l("Air conditioning")
    CLEANING = "cleaning", _l("Cleaning")
    PLANTS = "plants", _l("Plants")
    LIFTS = "lifts", _l("Lifts")
    FACILITIES = "facilities", _l("Other facilities")
    OTHER = "other", _l("Other")


class TicketState(LabelledEnum):
    """Where a ticket is. ``reopened`` is a state of its own: the patrol found the fault
    still there, and the engineer it was assigned to takes it up again."""

    OPEN = "open", _l("Open")
    ASSIGNED = "assigned", _l("Assigned")
    IN_PROGRESS = "in_progress", _l("In progress")
    FIXED = "fixed", _l("Fixed")
    VERIFIED = "verified", _l("Verified")
    REOPENED = "reopened", _l("Reopened")


#: The jobs that open tickets (``RepairTicket.source``), as the office reads them.
SOURCE_LABELS = {
    "patrol": _l("Floor patrol"),
    "room_restore": _l("Meeting room restore check"),
}

#: The states in which a ticket is still work to do or to check: tablets hold these.
UNFINISHED = frozenset(TicketState) - {TicketState.VERIFIED}


class RepairTicket(DeviceRecordMixin, db.Model):
    """A fault to repair, opened by another job's record (a patrol's problem, a room's
    restore check) and tracked until floor staff verify the repair.

    The provenance columns say who opened it, on which device and when. ``state`` and
    ``assigned_to_id`` are edited per field by several people (``version``).
    """

    __table_args__ = (UniqueConstraint("property_id", "number"),)

    # Given by the opening device (a uuid5 of its record): a retry opens nothing new.
    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    # Indexed by the unique (property_id, number).
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"))
    # What people call it: 维修单 #12, counted per property by the server.
    number: Mapped[int]
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    location: Mapped[str] = mapped_column(String(200))
    category: Mapped[RepairCategory] = mapped_column(enum_column(RepairCategory))
    state: Mapped[TicketState] = mapped_column(enum_column(TicketState))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Which job's record opened it ("patrol", "room_restore") and that record's id.
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[uuid.UUID] = mapped_column(db.Uuid, index=True)
    version: Mapped[int] = mapped_column(default=1)

    property: Mapped[Property] = relationship()
    area: Mapped[Area | None] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    steps: Mapped[list[RepairStep]] = relationship(
        back_populates="ticket",
        # One push's steps arrive together: the device's clock orders them within it.
        order_by=lambda: (RepairStep.received_at, RepairStep.device_time),
    )


class RepairStep(db.Model):
    """One move of a ticket: its opening, an assignment, work begun, fixed, verified,
    reopened; who made it, on which device (none from the office desk) and when."""

    # Made on the device, so a step resent after a lost reply is made once.
    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    ticket_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("repair_ticket.id"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    # None for the opening step.
    from_state: Mapped[TicketState | None] = mapped_column(enum_column(TicketState))
    to_state: Mapped[TicketState] = mapped_column(enum_column(TicketState))
    # For an assignment: the engineer it went to.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    device_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("device.id"))
    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    device_utc_offset: Mapped[int | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[RepairTicket] = relationship(back_populates="steps")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])
    device: Mapped[Device | None] = relationship()
