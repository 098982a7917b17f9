"""The gate on the device: what a gate tablet holds (permits, passes, their photos, exit
passes, the property's gate settings, recent gate events) and the change it sends."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.extensions import db
from app.gate.models import (
    CheckState,
    Direction,
    ExitPass,
    GateEvent,
    GateSettings,
    PassPhoto,
    PassState,
    Permit,
    PermitState,
    WorkerPass,
)
from app.gate.rules import masked_id
from app.models import Property, Role, device_time_as_reported
from sync.handlers import MutationContext
from sync.merge import insert_device_record
from sync.registry import Actor, RecordKind

GATE = "gate"
PASS_PREFIX, EXIT_PREFIX = "KEFU-P:", "KEFU-X:"
# An expired pass stays on the tablet this long, to say "expired" rather than "unknown".
EXPIRED_KEPT = timedelta(days=7)
# Gate events a tablet holds: enough for the duplicates still at the gate.
EVENTS_KEPT = timedelta(days=3)
#: The longest reason a guard gives for letting someone through against a refusal.
MAX_REASON = 500
REFUSALS = frozenset(
    {
        CheckState.EXPIRED,
        CheckState.REVOKED,
        CheckState.OUTSIDE_HOURS,
        CheckState.SUSPENDED,
        CheckState.ALREADY_INSIDE,
        CheckState.USED,
    }
)


def qr_hash(text: str) -> str:
    """What a tablet holds of a QR code: the SHA-256 of its text, never the text."""
    return hashlib.sha256(text.encode()).hexdigest()


def pass_qr(worker_pass: WorkerPass) -> str:
    return PASS_PREFIX + worker_pass.token


def exit_qr(exit_pass: ExitPass) -> str:
    return EXIT_PREFIX + exit_pass.token


def end_of_day(day: date, zone: str) -> datetime:
    """The instant a local day ends at the property."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=ZoneInfo(zone))


def zone_of(property_id: int) -> str:
    """A property's time zone, for the end of a local day (the property is in the session)."""
    return db.session.get(Property, property_id).timezone


def guards_hold_the_gate(actor: Actor) -> set[str]:
    return {GATE} if actor.role == Role.GUARD.value else set()


def _permit(permit: Permit) -> dict:
    return {
        "unit": permit.unit,
        "company": permit.company,
        "foreman": permit.foreman,
        "state": permit.state.value,
        "starts_on": permit.starts_on.isoformat(),
        "ends_on": permit.ends_on.isoformat(),
        "hours": permit.hours,
        "days": permit.days,
    }


def _pass(worker_pass: WorkerPass) -> dict:
    # The ID number only masked: a tablet never holds the full one.
    return {
        "number": worker_pass.number,
        "permit_id": worker_pass.permit_id,
        "name": worker_pass.name,
        "id_masked": masked_id(worker_pass.id_number),
        "trade": worker_pass.trade,
        "valid_from": worker_pass.valid_from.isoformat(),
        "valid_until": worker_pass.valid_until.isoformat(),
        "state": worker_pass.state.value,
        "revoked_reason": worker_pass.revoked_reason,
        "qr": qr_hash(pass_qr(worker_pass)),
        "retired_qr": list(worker_pass.retired_tokens or []),
        "issue": worker_pass.issue,
    }


def _exit_pass(exit_pass: ExitPass) -> dict:
    return {
        "number": exit_pass.number,
        "unit": exit_pass.unit,
        "items": exit_pass.items,
        "carrier": exit_pass.carrier,
        "plate": exit_pass.plate,
        "valid_on": exit_pass.valid_on.isoformat(),
        "approver": exit_pass.approver,
        "qr": qr_hash(exit_qr(exit_pass)),
        "released_at": exit_pass.released_at.isoformat() if exit_pass.released_at else None,
    }


def _event(event) -> dict:
    return {
        "direction": event.direction.value,
        "pass_id": event.pass_id,
        "exit_pass_id": event.exit_pass_id,
        "shown": event.shown.value,
        "by": event.created_by_id,
        "device_time": device_time_as_reported(event).isoformat(),
    }


def serialize_settings(settings: GateSettings) -> dict:
    return {
        "hours": settings.hours,
        "days": settings.days,
        "closing_time": settings.closing_time,
        "stale_hours": settings.stale_hours,
    }


KINDS = [
    RecordKind(
        "gate_settings",
        GateSettings,
        serialize=serialize_settings,
        scopes=lambda s: {GATE},
        partition=lambda s: s.property_id,
    ),
    RecordKind(
        "gate_permit",
        Permit,
        serialize=_permit,
        scopes=lambda p: set() if p.state is PermitState.CLOSED else {GATE},
        partition=lambda p: p.property_id,
        expires=lambda p: end_of_day(p.ends_on, zone_of(p.property_id)) + EXPIRED_KEPT,
    ),
    RecordKind(
        "gate_pass",
        WorkerPass,
        serialize=_pass,
        scopes=lambda p: {GATE},
        partition=lambda p: p.property_id,
        expires=lambda p: end_of_day(p.valid_until, zone_of(p.property_id)) + EXPIRED_KEPT,
    ),
    # The photo leaves the tablet the moment its pass is revoked or runs out.
    RecordKind(
        "gate_photo",
        PassPhoto,
        serialize=lambda photo: {"pass_id": photo.pass_id, "thumbnail": photo.thumbnail},
        scopes=lambda photo: {GATE} if photo.live else set(),
        partition=lambda photo: photo.property_id,
        expires=lambda photo: photo.expires_at,
    ),
    RecordKind(
        "gate_exit_pass",
        ExitPass,
        serialize=_exit_pass,
        scopes=lambda e: {GATE},
        partition=lambda e: e.property_id,
        expires=lambda e: end_of_day(e.valid_on, zone_of(e.property_id)) + timedelta(days=1),
    ),
    RecordKind(
        "gate_event",
        GateEvent,
        serialize=_event,
        scopes=lambda e: {GATE},
        partition=lambda e: e.property_id,
        expires=lambda e: e.device_time + EVENTS_KEPT,
    ),
]


class RecordArgs(Schema):
    """An entry, an exit or a release of items, as the gate tablet recorded it."""

    id = fields.UUID(required=True)
    direction = fields.Enum(Direction, by_value=True, required=True)
    pass_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    exit_pass_id = fields.Integer(load_default=None, allow_none=True, strict=True)
    shown = fields.Enum(CheckState, by_value=True, required=True)
    override_reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            min=1, max=MAX_REASON, error=_l("Write 1 to %(max)s characters.", max=MAX_REASON)
        ),
    )
    list_synced_at = fields.AwareDateTime(load_default=None, allow_none=True)
    stale = fields.Boolean(load_default=False)

    @validates_schema
    def _consistent(self, data, **kwargs):
        releasing = data["direction"] is Direction.RELEASE
        if releasing != (data["exit_pass_id"] is not None) or releasing == (
            data["pass_id"] is not None
        ):
            raise ValidationError("Entries and exits name a pass; a release names an exit pass.")
        if data["shown"] in REFUSALS and not data["override_reason"]:
            raise ValidationError(
                "A refused check is let through only with a reason.", "override_reason"
            )
        if data["shown"] is CheckState.UNKNOWN:
            raise ValidationError("An unknown pass cannot be recorded.", "shown")


def record_event(context: MutationContext, args: dict) -> None:
    property_id = context.actor.property_id
    session = context.session
    if args["pass_id"] is not None:
        target = session.get(WorkerPass, args["pass_id"])
    else:
        target = session.get(ExitPass, args["exit_pass_id"])
    if target is None or target.property_id != property_id:
        context.reject("unknown_pass", "No such pass at your property.")
    insert_device_record(
        context,
        GateEvent,
        args["id"],
        {
            "property_id": property_id,
            "direction": args["direction"],
            "pass_id": args["pass_id"],
            "exit_pass_id": args["exit_pass_id"],
            "shown": args["shown"],
            "override_reason": args["override_reason"],
            "list_synced_at": args["list_synced_at"],
            "stale": args["stale"],
        },
    )
    detail = {
        "device_time": context.device_time.isoformat(),
        "received_at": context.received_at.isoformat(),
        "shown": args["shown"].value,
        "direction": args["direction"].value,
        **_who(target),
    }
    # One event, one flag: the gravest of its reasons names it, the others go with it.
    reasons = []
    if isinstance(target, WorkerPass) and args["direction"] is Direction.ENTRY:
        reasons += _entry_on_dead_pass(context, target, detail)
    if isinstance(target, ExitPass):
        reasons += _release(context, target, args["id"], detail)
    if args["override_reason"]:
        reasons.append("gate_override")
        detail["why"] = args["override_reason"]
    if args["stale"]:
        reasons.append("gate_stale_list")
        synced = args["list_synced_at"]
        detail["list_synced_at"] = synced and synced.isoformat()
    if reasons:
        context.flag(reasons[0], "gate_event", args["id"], also=reasons[1:], **detail)


def _who(target) -> dict:
    """The pass and the worker (or the exit pass) a flag names."""
    if isinstance(target, WorkerPass):
        return {"pass_number": target.number, "worker": target.name}
    return {"exit_pass_number": target.number}


def _entry_on_dead_pass(context, worker_pass: WorkerPass, detail: dict) -> list[str]:
    """An entry on a pass revoked or expired at the device's time happened: it is kept,
    and the office is told."""
    zone = ZoneInfo(zone_of(worker_pass.property_id))
    device_day = context.device_time.astimezone(zone).date()
    if worker_pass.state is PassState.REVOKED and worker_pass.revoked_at <= context.device_time:
        detail["revoked_at"] = worker_pass.revoked_at.isoformat()
        detail["revoked_reason"] = worker_pass.revoked_reason
        return ["gate_entry_revoked"]
    if device_day > worker_pass.valid_until:
        detail["valid_until"] = worker_pass.valid_until.isoformat()
        return ["gate_entry_expired"]
    return []


def _release(context, exit_pass: ExitPass, event_id, detail: dict) -> list[str]:
    """An exit pass releases once; a second use (two tablets offline) is flagged."""
    if exit_pass.released_event_id is None:
        exit_pass.released_at = context.device_time
        exit_pass.released_event_id = event_id
    elif exit_pass.released_event_id != event_id:
        detail["first_released_at"] = exit_pass.released_at.isoformat()
        return ["exit_pass_reused"]
    return []
