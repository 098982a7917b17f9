"""The gate's tables: permits, worker passes and their photos, exit passes, what the gate
tablets recorded, and each property's gate settings."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import (
    DeviceRecordMixin,
    LabelledEnum,
    Property,
    User,
    UTCDateTime,
    enum_column,
    utcnow,
)

#: The working hours when neither the permit nor the property says otherwise.
DEFAULT_HOURS = [["08:00", "12:00"], ["14:00", "18:00"]]
#: Monday to Saturday (Monday is 0).
DEFAULT_DAYS = [0, 1, 2, 3, 4, 5]
DEFAULT_CLOSING = "19:00"
DEFAULT_STALE_HOURS = 12


class PermitState(LabelledEnum):
    ACTIVE = "active", lazy_pgettext("permit state", "Active")
    SUSPENDED = "suspended", _l("Suspended")
    CLOSED = "closed", _l("Closed")


class PassState(LabelledEnum):
    LIVE = "live", lazy_pgettext("pass state", "Valid")
    REVOKED = "revoked", _l("Revoked")


class Direction(LabelledEnum):
    ENTRY = "entry", _l("Entry")
    EXIT = "exit", _l("Exit")
    RELEASE = "release", _l("Items released")


class CheckState(LabelledEnum):
    """What the gate tablet answered when the pass was checked."""

    VALID_ENTERING = "valid_entering", _l("Valid · entering")
    VALID_LEAVING = "valid_leaving", _l("Valid · leaving")
    EXPIRED = "expired", _l("Expired")
    REVOKED = "revoked", _l("Revoked")
    OUTSIDE_HOURS = "outside_hours", _l("Outside working hours")
    SUSPENDED = "suspended", _l("Permit suspended")
    UNKNOWN = "unknown", _l("No such pass")
    ALREADY_INSIDE = "already_inside", _l("Already inside")
    USED = "used", _l("Already used")
    VALID_RELEASE = "valid_release", _l("Valid · release")


class GateSettings(db.Model):
    """A property's gate rules: default working hours, closing time, list staleness."""

    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), primary_key=True)
    # [["08:00", "12:00"], ...]; a range whose end is not after its start runs past midnight.
    hours: Mapped[list] = mapped_column(JSON)
    days: Mapped[list] = mapped_column(JSON)
    closing_time: Mapped[str] = mapped_column(String(5))
    stale_hours: Mapped[int]

    @classmethod
    def of(cls, property_id: int) -> GateSettings:
        """The property's gate settings; the defaults, not yet stored, until someone sets them."""
        return db.session.get(cls, property_id) or cls(
            property_id=property_id,
            hours=[list(r) for r in DEFAULT_HOURS],
            days=list(DEFAULT_DAYS),
            closing_time=DEFAULT_CLOSING,
            stale_hours=DEFAULT_STALE_HOURS,
        )


class Permit(db.Model):
    """A construction permit 施工许可 for one unit and period, under which workers get passes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    # The unit under renovation, as the building names it (1203室): text, not a model.
    unit: Mapped[str] = mapped_column(String(60))
    owner: Mapped[str] = mapped_column(String(120))
    company: Mapped[str] = mapped_column(String(120))
    foreman: Mapped[str] = mapped_column(String(60))
    foreman_phone: Mapped[str] = mapped_column(String(30))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # None: the property's hours and days.
    hours: Mapped[list | None] = mapped_column(JSON)
    days: Mapped[list | None] = mapped_column(JSON)
    state: Mapped[PermitState] = mapped_column(enum_column(PermitState), default=PermitState.ACTIVE)
    deposit_yuan: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    property: Mapped[Property] = relationship()
    passes: Mapped[list[WorkerPass]] = relationship(
        back_populates="permit", order_by="WorkerPass.number"
    )


class WorkerPass(db.Model):
    """A worker's temporary pass 临时出入证: one person, one live pass per permit."""

    __table_args__ = (
        UniqueConstraint("property_id", "number"),
        UniqueConstraint("token"),
        # One person, one pass: a second live pass of the same ID number on a permit fails.
        Index(
            "uq_worker_pass_live_person",
            "permit_id",
            "id_number",
            unique=True,
            sqlite_where=db.text("state = 'live'"),
            postgresql_where=db.text("state = 'live'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    permit_id: Mapped[int] = mapped_column(ForeignKey("permit.id"), index=True)
    # What the guard types; shown on the card.
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    # The full ID-card number: shown only on the pass's office page, never sent to devices.
    id_number: Mapped[str] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(30))
    trade: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    # The secret in the QR code; a new one on every reissue.
    token: Mapped[str] = mapped_column(String(64))
    # The QR texts of earlier issues, hashed: a lost card scanned says "revoked".
    retired_tokens: Mapped[list] = mapped_column(JSON, default=list)
    issue: Mapped[int] = mapped_column(default=1)
    state: Mapped[PassState] = mapped_column(enum_column(PassState), default=PassState.LIVE)
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reissued_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    permit: Mapped[Permit] = relationship(back_populates="passes")
    photo: Mapped[PassPhoto | None] = relationship(back_populates="worker_pass", uselist=False)


class PassPhoto(db.Model):
    """A worker's photo: the picture the office took and the small copy gate tablets hold.

    Its own record kind, so that the copy leaves the tablets when the pass is revoked or
    runs out (``live``, ``expires_at``), while the pass itself stays to say so.
    """

    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True, default=uuid.uuid4)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    pass_id: Mapped[int] = mapped_column(ForeignKey("worker_pass.id"), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # A JPEG data URL of at most a few kilobytes, made by the office's browser.
    thumbnail: Mapped[str] = mapped_column(Text)
    live: Mapped[bool] = mapped_column(default=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    worker_pass: Mapped[WorkerPass] = relationship(back_populates="photo")


class ExitPass(db.Model):
    """An exit pass 出门凭证 for large items: released once at the gate."""

    __table_args__ = (UniqueConstraint("property_id", "number"), UniqueConstraint("token"))

    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    number: Mapped[int]
    unit: Mapped[str] = mapped_column(String(60))
    items: Mapped[str] = mapped_column(Text)
    carrier: Mapped[str] = mapped_column(String(60))
    plate: Mapped[str] = mapped_column(String(20), default="")
    valid_on: Mapped[date]
    approver: Mapped[str] = mapped_column(String(60))
    token: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The first release the server heard of; a later one is flagged.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_event_id: Mapped[uuid.UUID | None] = mapped_column(db.Uuid)

    issued_by: Mapped[User] = relationship()


class GateEvent(DeviceRecordMixin, db.Model):
    """What a gate tablet recorded: an entry (duplicate handed in), an exit (returned), or
    the release of an exit pass's items; with what the tablet's check said then."""

    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    pass_id: Mapped[int | None] = mapped_column(ForeignKey("worker_pass.id"), index=True)
    exit_pass_id: Mapped[int | None] = mapped_column(ForeignKey("exit_pass.id"), index=True)
    shown: Mapped[CheckState] = mapped_column(enum_column(CheckState))
    # Let through against the check's refusal, and why.
    override_reason: Mapped[str | None] = mapped_column(Text)
    # When the tablet's pass list was last synced, and whether it was past the limit.
    list_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stale: Mapped[bool] = mapped_column(default=False)

    worker_pass: Mapped[WorkerPass | None] = relationship()
    exit_pass: Mapped[ExitPass | None] = relationship()
