"""The tables every job shares: properties and their places, people, devices."""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    DateTime,
    Exists,
    ForeignKey,
    Select,
    String,
    Table,
    TypeDecorator,
    exists,
    select,
)
from sqlalchemy.orm import Mapped, contains_eager, declared_attr, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and read back as aware UTC, on SQLite as on PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class LabelledEnum(enum.StrEnum):
    """A StrEnum whose members carry the label people read: ``NAME = "value", _l("Label")``.

    The value is what is stored and sent to devices; the label is translated when shown.
    """

    def __new__(cls, value: str, label: LazyString):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Each member's label by its value, as a page hands them to the device's code."""
        return {member.value: member.label for member in cls}


class Role(LabelledEnum):
    FLOOR_STAFF = "floor_staff", _l("Floor staff")
    GUARD = "guard", _l("Guard")
    OFFICE = "office", _l("Service centre")
    SUPERVISOR = "supervisor", _l("Supervisor")
    ENGINEERING = "engineering", _l("Engineering")
    ADMIN = "admin", _l("Administrator")


class AreaKind(LabelledEnum):
    LOBBY = "lobby", _l("Lobby")
    OFFICE_FLOOR = "office_floor", _l("Office floor")
    MEETING_FLOOR = "meeting_floor", _l("Meeting floor")
    CAR_PARK = "car_park", _l("Car park")
    PLANT_ROOM = "plant_room", _l("Plant room")
    OTHER = "other", _l("Other area")


def enum_column(enum_type: type[enum.Enum]):
    # Stored as plain strings: adding a role or kind later needs no ALTER TYPE.
    return db.Enum(
        enum_type,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class Property(db.Model):
    """A managed site (项目): an office tower or a residential compound."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")

    buildings: Mapped[list[Building]] = relationship(
        back_populates="property", order_by="Building.name", cascade="all, delete-orphan"
    )


class Building(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    property: Mapped[Property] = relationship(back_populates="buildings")
    floors: Mapped[list[Floor]] = relationship(
        back_populates="building", order_by="Floor.level", cascade="all, delete-orphan"
    )


class Floor(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    # Sort key: basements are negative, so B1 comes before 1F.
    level: Mapped[int]

    building: Mapped[Building] = relationship(back_populates="floors")
    areas: Mapped[list[Area]] = relationship(
        back_populates="floor", order_by="Area.name", cascade="all, delete-orphan"
    )


def new_checkpoint_code() -> str:
    """An unguessable code for an area's checkpoint sticker: scanning it proves presence."""
    return secrets.token_urlsafe(12)


class Area(db.Model):
    """A place that is patrolled as one: a lobby, an office floor, a car park…"""

    id: Mapped[int] = mapped_column(primary_key=True)
    floor_id: Mapped[int] = mapped_column(ForeignKey("floor.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[AreaKind] = mapped_column(enum_column(AreaKind))
    # Issuing a new code is how a lost or copied sticker stops working.
    checkpoint_code: Mapped[str] = mapped_column(
        String(32), unique=True, default=new_checkpoint_code
    )

    floor: Mapped[Floor] = relationship(back_populates="areas")


def areas_at(property_id: int, *columns) -> Select:
    """A query of the areas in a property's buildings, or of these columns of them.

    Areas come with their floor and building, which the query joins anyway: pages name
    an area by its floor.
    """
    query = (
        select(*(columns or (Area,)))
        .join(Floor, Area.floor_id == Floor.id)
        .join(Building, Floor.building_id == Building.id)
        .where(Building.property_id == property_id)
    )
    if columns:
        return query
    return query.options(contains_eager(Area.floor).contains_eager(Floor.building))


def area_choices(property_id: int) -> list[tuple[str, str]]:
    """The property's areas as (id, name) choices of a filter, floor by floor."""
    query = areas_at(property_id, Area.id, Area.name).order_by(Floor.level, Area.name)
    return [(str(area_id), name) for area_id, name in db.session.execute(query)]


user_property = Table(
    "user_property",
    db.Model.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("property_id", ForeignKey("property.id", ondelete="CASCADE"), primary_key=True),
)


def works_at(user_id, property_id) -> Exists:
    """A condition: the user works at the property (each a column or a value)."""
    return exists().where(
        (user_property.c.user_id == user_id) & (user_property.c.property_id == property_id)
    )


class User(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    active: Mapped[bool] = mapped_column(default=True)
    # None means: not chosen yet, so the interface is in Chinese.
    locale: Mapped[str | None] = mapped_column(String(10))
    is_demo: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    properties: Mapped[list[Property]] = relationship(
        secondary=user_property, order_by="Property.name"
    )
    # The hand-over PIN, as the tablets of the user's property and role check it offline
    # (PBKDF2-SHA256 through WebCrypto): salt and hash in hex, and the iterations used.
    pin_salt: Mapped[str | None] = mapped_column(String(32))
    pin_hash: Mapped[str | None] = mapped_column(String(64))
    pin_iterations: Mapped[int | None] = mapped_column()

    def set_pin(self, pin: str) -> None:
        salt = secrets.token_bytes(16)
        self.pin_iterations = PIN_ITERATIONS
        self.pin_salt = salt.hex()
        self.pin_hash = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, PIN_ITERATIONS).hex()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def may_manage(self, other: User) -> bool:
        """Whether this user may change ``other``'s account on the admin pages."""
        if self.role is Role.ADMIN:
            return True
        if self.role not in (Role.OFFICE, Role.SUPERVISOR) or other.role is Role.ADMIN:
            return False
        own = {p.id for p in self.properties}
        return bool(own) and {p.id for p in other.properties} <= own


def colleagues(property_id: int, role: Role) -> Select:
    """The active users of a property in one role: who may hold its tablets of that role."""
    return select(User).where(User.active & (User.role == role) & works_at(User.id, property_id))


def user_choices(role: Role) -> Callable[[int], list[tuple[str, str]]]:
    """A filter's choices of a property's users in ``role`` as (id, name), by name; those
    no longer active too, since their records stay."""

    def choices(property_id: int) -> list[tuple[str, str]]:
        query = (
            select(User.id, User.display_name)
            .where((User.role == role) & works_at(User.id, property_id))
            .order_by(User.display_name)
        )
        return [(str(user_id), name) for user_id, name in db.session.execute(query)]

    return choices


# Slow enough that a copied PIN list takes real time per guess, quick enough on a tablet.
PIN_ITERATIONS = 200_000


class HandOver(db.Model):
    """Someone took a device over: by signing in on it, or offline with their PIN."""

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("device.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    by_pin: Mapped[bool] = mapped_column(default=False)
    # The device's clock for a hand-over it reported; None for a sign-in.
    device_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    device: Mapped[Device] = relationship()


DEVICE_NAME_MAX = 60
REVOKED_REASON_MAX = 200


class Device(db.Model):
    """One browser install on a tablet or desktop, enrolled when a user signs in on it."""

    # Made on the device (crypto.randomUUID) so it exists before the device is ever online.
    id: Mapped[uuid.UUID] = mapped_column(db.Uuid, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    property_id: Mapped[int] = mapped_column(ForeignKey("property.id"), index=True)
    # What the office calls it (1号门岗平板); None until someone names it.
    name: Mapped[str | None] = mapped_column(String(DEVICE_NAME_MAX))
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    revoked_reason: Mapped[str | None] = mapped_column(String(REVOKED_REASON_MAX))
    # A session signed in on this device before this moment has ended, even if a reply
    # that left before the sign-out hands the browser its cookie again.
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Whether the browser promised to keep this device's data (navigator.storage.persist):
    # without it, a full tablet may clear a waiting outbox. None: not reported yet.
    storage_persisted: Mapped[bool | None] = mapped_column()
    # SHA-256 of the token the device syncs with; the token itself is only on the device.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # SHA-256 of the secret the browser made with its id: the id alone claims nothing.
    secret_hash: Mapped[str | None] = mapped_column(String(64))

    # Defined before the relationship named ``property``, which shadows the builtin below it.
    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    property: Mapped[Property] = relationship()
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])


class DeviceRecordMixin:
    """Columns of every record a device can create: who, on which device, and when.

    ``device_time`` is the device's clock as reported and orders nothing;
    ``received_at`` is the server's clock when the record arrived.
    """

    @declared_attr
    def created_by_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("user.id"), index=True)

    @declared_attr
    def device_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(ForeignKey("device.id"), index=True)

    @declared_attr
    def created_by(cls) -> Mapped[User]:
        return relationship(foreign_keys=[cls.created_by_id])

    @declared_attr
    def device(cls) -> Mapped[Device]:
        return relationship(foreign_keys=[cls.device_id])

    device_time: Mapped[datetime] = mapped_column(UTCDateTime)
    # The device clock's offset from UTC in minutes, as it reported its time.
    device_utc_offset: Mapped[int | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def device_time_as_reported(record) -> datetime:
    """A device record's time in the zone its device's clock was set to.

    Reads columns only, so it serves records a batch has not written yet too.
    """
    moment = record.device_time
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if record.device_utc_offset is None:
        return moment
    return moment.astimezone(timezone(timedelta(minutes=record.device_utc_offset)))
