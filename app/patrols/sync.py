"""Patrols on the device: what floor staff's tablets hold (templates, schedules,
standards, the property's recent rounds) and the one mutation that submits a round."""

from __future__ import annotations

import uuid
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from app import fields as shared
from app.duty.models import Category
from app.duty.sync import add_summary
from app.models import Area, User, areas_at
from app.patrols.models import (
    AreaStandard,
    ChecklistTemplate,
    ItemKind,
    Outcome,
    PatrolResult,
    PatrolRound,
    PatrolSchedule,
)
from app.patrols.places import place_namer
from app.repairs.tickets import open_ticket
from sync.handlers import MutationContext
from sync.merge import insert_device_record
from sync.registry import RecordKind

# Enough for the due list of a daily schedule: the rounds since yesterday's slot.
KEPT_ON_DEVICE = timedelta(hours=36)
MAX_ITEMS = 100
MAX_CODE = 64


def _hhmm(moment) -> str | None:
    return None if moment is None else moment.strftime("%H:%M")


def _held_while_current(record) -> set[str]:
    # "property" is the tag floor staff's tablets hold (app/places); an old version
    # leaves it, and the tablets drop it.
    return {"property"} if record.current else set()


def serialize_template(template: ChecklistTemplate) -> dict:
    return {
        "area_kind": template.area_kind.value,
        "version": template.version,
        "items": [
            {
                "id": item.id,
                "key": item.key,
                "label": item.label,
                "kind": item.kind.value,
                "unit": item.unit,
                "min": item.min_value,
                "max": item.max_value,
                "category": item.category.value,
                "photo_required": item.photo_required,
            }
            for item in template.items
        ],
    }


def serialize_round(record: PatrolRound) -> dict:
    return {
        "area_id": record.area_id,
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat(),
        "by": record.by_name,
        "problems": record.problems,
        "template_version": record.template_version,
    }


KINDS = [
    RecordKind(
        "patrol_template",
        ChecklistTemplate,
        serialize=serialize_template,
        scopes=_held_while_current,
        partition=lambda template: template.property_id,
    ),
    RecordKind(
        "patrol_schedule",
        PatrolSchedule,
        serialize=lambda schedule: {
            "area_id": schedule.area_id,
            "every_minutes": schedule.every_minutes,
            "starts": _hhmm(schedule.starts),
            "ends": _hhmm(schedule.ends),
        },
        scopes=_held_while_current,
        partition=lambda schedule: schedule.property_id,
    ),
    RecordKind(
        "patrol_standard",
        AreaStandard,
        serialize=lambda standard: {
            "area_id": standard.area_id,
            "item_key": standard.item_key,
            "min": standard.min_value,
            "max": standard.max_value,
        },
        scopes=lambda standard: {"property"},
        partition=lambda standard: standard.property_id,
    ),
    RecordKind(
        "patrol_round",
        PatrolRound,
        serialize=serialize_round,
        scopes=lambda record: {"property"},
        partition=lambda record: record.property_id,
        expires=lambda record: record.started_at + KEPT_ON_DEVICE,
    ),
]


class ResultArgs(Schema):
    """What a round found at one item of its checklist."""

    item_id = fields.Integer(required=True, strict=True)
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    value = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    note = shared.optional_text(load_default=None, allow_none=True)
    photo_ids = shared.photo_ids()

    @validates_schema
    def problem_is_shown(self, data, **kwargs):
        # A reading is its own evidence; any other problem needs a note or a photo.
        if (
            data["outcome"] is Outcome.PROBLEM
            and data["value"] is None
            and not (data["note"] or "").strip()
            and not data["photo_ids"]
        ):
            raise ValidationError(str(_l("A problem needs a note or a photo.")), "note")


class RoundArgs(Schema):
    """A round as the tablet submits it, whole, once its patrol taps 提交."""

    id = fields.UUID(required=True)
    area_id = fields.Integer(required=True, strict=True)
    template_id = fields.Integer(required=True, strict=True)
    template_version = fields.Integer(required=True, strict=True)
    started_at = fields.AwareDateTime(required=True)
    ended_at = fields.AwareDateTime(required=True)
    scanned = fields.Boolean(required=True)
    checkpoint_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            max=MAX_CODE, error=_l("At most %(max)s characters.", max=MAX_CODE)
        ),
    )
    results = fields.List(
        fields.Nested(ResultArgs),
        required=True,
        validate=validate.Length(
            min=1, max=MAX_ITEMS, error=_l("1 to %(max)s items.", max=MAX_ITEMS)
        ),
    )

    @validates_schema
    def ends_after_it_starts(self, data, **kwargs):
        if data["ended_at"] < data["started_at"]:
            raise ValidationError(str(_l("A round cannot end before it starts.")), "ended_at")


def _standards(context: MutationContext, area_id: int) -> dict[str, tuple]:
    rows = context.session.execute(
        select(AreaStandard.item_key, AreaStandard.min_value, AreaStandard.max_value).where(
            AreaStandard.area_id == area_id
        )
    )
    return {key: (low, high) for key, low, high in rows}


def outside(value: float | None, low: float | None, high: float | None) -> bool:
    """Whether a reading lies outside its standard: always a problem, whatever was said."""
    if value is None:
        return False
    return (low is not None and value < low) or (high is not None and value > high)


def submit_round(context: MutationContext, args: dict) -> None:
    """Record a round: each reading checked again against its standard, each problem a
    repair ticket, and one summary line in the duty log."""
    session = context.session
    property_id = context.actor.property_id
    area = session.scalar(areas_at(property_id).where(Area.id == args["area_id"]))
    if area is None:
        context.reject("wrong_property", "This area is not at your property.")
    template = session.get(ChecklistTemplate, args["template_id"])
    if (
        template is None
        or template.property_id != property_id
        or template.area_kind != area.kind
        or template.version != args["template_version"]
    ):
        context.reject("wrong_template", "This checklist is not the one of this area.")
    items = {item.id: item for item in template.items}
    answered = [result["item_id"] for result in args["results"]]
    if sorted(answered) != sorted(items):
        context.reject("incomplete", "Every item of the checklist needs exactly one answer.")

    round_id = args["id"]
    standards = _standards(context, area.id)
    results, problems = [], []
    for result in args["results"]:
        item = items[result["item_id"]]
        outcome, value = result["outcome"], result["value"]
        if item.kind is not ItemKind.READING:
            value = None
        elif value is None and outcome is not Outcome.NOT_APPLICABLE:
            context.reject("missing_reading", f"Item {item.key} needs its reading.")
        low, high = standards.get(item.key, (item.min_value, item.max_value))
        out_of_standard = outcome is not Outcome.NOT_APPLICABLE and outside(value, low, high)
        if (
            outcome is Outcome.PROBLEM
            and item.photo_required
            and not result["photo_ids"]
            and not out_of_standard
        ):
            context.reject("photo_required", f"A problem at {item.key} needs a photo.")
        if out_of_standard:
            outcome = Outcome.PROBLEM
        problem = outcome is Outcome.PROBLEM
        ticket_id = uuid.uuid5(round_id, item.key) if problem else None
        values = {
            "round_id": round_id,
            "item_id": item.id,
            "position": item.position,
            "outcome": outcome,
            "value": value,
            "out_of_standard": out_of_standard,
            "note": result["note"],
            "photo_ids": [str(photo_id) for photo_id in result["photo_ids"]],
            "ticket_id": ticket_id,
        }
        results.append((uuid.uuid5(round_id, f"result:{item.key}"), values))
        if problem:
            problems.append((item, values, (low, high)))

    scanned = bool(args["scanned"]) and args["checkpoint_code"] == area.checkpoint_code
    if args["scanned"] and not scanned:
        context.flag("checkpoint_mismatch", "patrol_round", round_id, area_id=area.id)
    round_values = {
        "property_id": property_id,
        "area_id": area.id,
        "template_id": template.id,
        "template_version": template.version,
        "old_version": not template.current,
        "started_at": args["started_at"],
        "ended_at": args["ended_at"],
        "scanned": scanned,
        "scanned_code": args["checkpoint_code"],
        "by_name": session.scalar(
            select(User.display_name).where(User.id == context.actor.user_id)
        ),
        "problems": len(problems),
    }
    if not insert_device_record(context, PatrolRound, round_id, round_values):
        # Sent again (a second tap, another tab): the round, its tickets and its duty-log
        # line exist once; other content for the same id is the office's to look at.
        return
    for result_id, values in results:
        insert_device_record(context, PatrolResult, result_id, values)
    photo_ids = [p for result in args["results"] for p in result["photo_ids"]]
    context.reference_attachments("patrol_round", round_id, photo_ids)
    location = place_namer(property_id)(area)
    for item, values, standard in problems:
        open_ticket(
            context,
            ticket_id=values["ticket_id"],
            category=item.category,
            location=location,
            note=_problem_note(item, values, standard),
            photo_ids=values["photo_ids"],
            source="patrol",
            source_id=round_id,
            area_id=area.id,
        )
    add_summary(
        context,
        uuid.uuid5(round_id, "duty"),
        area.id,
        _summary(area, len(results), [item.label for item, _v, _s in problems]),
        Category.FACILITY if problems else Category.OTHER,
    )


def _problem_note(item, values: dict, standard: tuple) -> str:
    """What the ticket says: the item, the reading against its standard, the note."""
    parts = []
    if values["out_of_standard"]:
        low, high = ("" if bound is None else f"{bound:g}" for bound in standard)
        parts.append(
            _(
                "reading %(value)s %(unit)s, standard %(low)s–%(high)s",
                value=f"{values['value']:g}",
                unit=item.unit or "",
                low=low,
                high=high,
            )
        )
    if values["note"]:
        parts.append(values["note"])
    if not parts:
        return item.label
    return _("%(item)s: %(detail)s", item=item.label, detail=_("; ").join(parts))


def _summary(area: Area, count: int, problem_labels: list[str]) -> str:
    if not problem_labels:
        return _("Patrol of %(area)s: %(count)s items, all in order.", area=area.name, count=count)
    return _(
        "Patrol of %(area)s: %(count)s items, %(problems)s problems (%(labels)s).",
        area=area.name,
        count=count,
        problems=len(problem_labels),
        labels=_(", ").join(problem_labels),
    )
