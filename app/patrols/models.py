"""Checklist templates and their versions, per-area standards and schedules, and the
rounds that floor staff walk with their item results."""

from __future__ import annotations

import uuid
from datetime import datetime, time

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import (
    Area,
    AreaKind,
    DeviceRecordMixin,
    LabelledEnum,
    User,
    UTCDateTime,
    enum_column,
    utcnow,
)
from app.repairs.models import RepairCategory


class ItemKind(LabelledEnum):
    CHECK = "check", _l("Check")
    READING = "reading", _l("Reading")
    TEXT = "text", _l("Text")


class Outcome(LabelledEnum):
    OK = "ok", _l("OK")
    PROBLEM = "problem", _l("Problem")
    NOT_APPLICABLE = "na", _l("Not applicable")


class ChecklistTemplate(db.Model):
    """One version of the checklist of an area kind at a property.

    An edit makes a new version and leaves the old one as it was: rounds name the
    version they used, and a round begun on an old version finishes on it.
    """

    __table_args__ = (UniqueConstraint("property_id", "area_kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    area_kind: Mapped[AreaKind] = mapped_column(enum_column(AreaKind))
    version: Mapped[int]
    # The version tablets get; only the newest of its kind is current.
    current: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    items: Mapped[list[ChecklistItem]] = relationship(
        back_populates="template", order_by="ChecklistItem.position", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()


class ChecklistItem(db.Model):
    """An item of a template version: what to check, and what a problem with it means."""

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"), index=True)
    position: Mapped[int]
    # The same item across versions (per-area standards and open tickets follow it).
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    unit: Mapped[str | None] = mapped_column(String(16))
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)
    # Where this item's problems go as repair tickets.
    category: Mapped[RepairCategory] = mapped_column(enum_column(RepairCategory))
    photo_required: Mapped[bool] = mapped_column(default=False)

    template: Mapped[ChecklistTemplate] = relationship(back_populates="items")


class AreaStandard(db.Model):
    """An area's own range for a reading item (this lobby's light level), by item key;
    an item without one here uses its template's range."""

    __table_args__ = (UniqueConstraint("area_id", "item_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    item_key: Mapped[str] = mapped_column(String(40))
    min_value: Mapped[float | None] = mapped_column(Float)
    max_value: Mapped[float | None] = mapped_column(Float)


class PatrolSchedule(db.Model):
    """One version of an area's patrol schedule (app/patrols/schedule.py says how it runs).

    An edit adds a version effective from then; the server keeps the old ones so that
    the slots before the change are judged by the schedule of their time.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    # None: once a day at ``starts``.
    every_minutes: Mapped[int | None] = mapped_column()
    starts: Mapped[time]
    ends: Mapped[time | None]
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    current: Mapped[bool] = mapped_column(default=True)

    area: Mapped[Area] = relationship()


class PatrolRound(DeviceRecordMixin, db.Model):
    """One walk of one area: its template version, device times, checkpoint, results."""

    __table_args__ = (
        # The office's list, newest first, whole or by area or person.
        Index("ix_patrol_round_property_started", "property_id", "started_at"),
        Index("ix_patrol_round_area_started", "area_id", "started_at"),
        Index("ix_patrol_round_by_started", "created_by_id", "started_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("checklist_template.id"))
    template_version: Mapped[int]
    # Whether the version was already replaced when the round arrived: it is accepted.
    old_version: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Proof of presence: the area's checkpoint sticker was scanned and its code matched.
    scanned: Mapped[bool] = mapped_column(default=False)
    scanned_code: Mapped[str | None] = mapped_column(String(64))
    # Kept with the round so that tablets can say 已巡 10:05 王芳 from the record alone.
    by_name: Mapped[str] = mapped_column(String(120))
    problems: Mapped[int] = mapped_column(default=0)

    area: Mapped[Area] = relationship()
    template: Mapped[ChecklistTemplate] = relationship()
    results: Mapped[list[PatrolResult]] = relationship(
        order_by="PatrolResult.position", viewonly=True
    )


class PatrolResult(db.Model):
    """What a round found at one item: OK, a problem, or not applicable, with the
    reading, note and photos; a problem names the repair ticket it opened."""

    # uuid5 of the round and the item key: a round's results exist once, however sent.
    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    round_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("patrol_round.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("checklist_item.id"))
    position: Mapped[int]
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome))
    value: Mapped[float | None] = mapped_column(Float)
    # The reading was outside the standard, so the server made it a problem.
    out_of_standard: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)

    item: Mapped[ChecklistItem] = relationship()
