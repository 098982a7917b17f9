"""Duty-log entries, made on devices."""

from __future__ import annotations

import uuid

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import Area, DeviceRecordMixin, LabelledEnum, Property, enum_column


class Category(LabelledEnum):
    FACILITY = "facility", _l("Facilities")
    HYGIENE = "hygiene", _l("Hygiene")
    SAFETY = "safety", _l("Safety")
    OTHER = "other", _l("Other")


class DutyEntry(DeviceRecordMixin, db.Model):
    """One line of the duty log: what someone on duty saw or did, with its photos."""

    # Made on the device, so the entry has its identity before it is ever sent.
    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    category: Mapped[Category] = mapped_column(enum_column(Category))
    text: Mapped[str] = mapped_column(Text)
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)

    property: Mapped[Property] = relationship()
    area: Mapped[Area | None] = relationship()
