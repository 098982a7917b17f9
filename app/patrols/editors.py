"""The supervisor's and administrator's editors: checklists per area kind (each save a new
version, which tablets get at their next sync), and each area's schedule and standards."""

import uuid

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import fields as shared
from app.access import roles_allowed
from app.extensions import db
from app.forms import form_errors
from app.models import Area, AreaKind, Floor, areas_at
from app.patrols import EDITORS, bp
from app.patrols.editing import build_template, change_schedule, items_of, new_version
from app.patrols.models import (
    AreaStandard,
    ChecklistTemplate,
    ItemKind,
    PatrolSchedule,
)
from app.rendering import render_page
from app.repairs.models import RepairCategory

#: Blank rows an editor offers for new items.
NEW_ROWS = 3
MAX_LABEL = 120
MAX_UNIT = 16
EVERY_CHOICES = (30, 60, 120, 180, 240, 360, 480)


def _optional_text(max_length: int) -> fields.String:
    return fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(
            max=max_length, error=_l("At most %(max)s characters.", max=max_length)
        ),
    )


class ItemRow(Schema):
    """One row of the checklist editor."""

    key = fields.String(
        required=True,
        validate=validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error=_l("Not a valid key.")),
    )
    label = shared.text(MAX_LABEL)
    kind = fields.Enum(ItemKind, by_value=True, required=True)
    unit = _optional_text(MAX_UNIT)
    min_value = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    max_value = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    category = fields.Enum(RepairCategory, by_value=True, required=True)
    photo_required = fields.Boolean(load_default=False)
    position = fields.Integer(load_default=0)

    @validates_schema
    def range_in_order(self, data, **kwargs):
        low, high = data.get("min_value"), data.get("max_value")
        if low is not None and high is not None and low > high:
            raise ValidationError(str(_l("The minimum is above the maximum.")), "max_value")


class ScheduleForm(Schema):
    """An area's schedule and its standards for reading items."""

    every_minutes = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(EVERY_CHOICES, error=_l("Choose one of the options.")),
    )
    starts = fields.Time(required=True, format="%H:%M")
    ends = fields.Time(load_default=None, allow_none=True, format="%H:%M")

    @validates_schema
    def interval_has_an_end(self, data, **kwargs):
        if data.get("every_minutes") and data.get("ends") is None:
            raise ValidationError(str(_l("A schedule by interval needs its last time.")), "ends")


class RangeForm(Schema):
    min_value = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    max_value = fields.Float(load_default=None, allow_none=True, allow_nan=False)

    range_in_order = ItemRow.range_in_order


def _posted(prefix: str) -> dict:
    """The non-blank fields of one row of a posted form (``item-3-label`` → ``label``)."""
    return {
        name.removeprefix(prefix): value
        for name, value in request.form.items()
        if name.startswith(prefix) and value.strip() != ""
    }


def _current(kind: AreaKind) -> ChecklistTemplate | None:
    return db.session.scalar(
        select(ChecklistTemplate).where(
            ChecklistTemplate.property_id == g.property.id,
            ChecklistTemplate.area_kind == kind,
            ChecklistTemplate.current,
        )
    )


@bp.route("/checklists")
@roles_allowed(*EDITORS)
def checklists():
    """Every area kind's current checklist, and every area's schedule."""
    templates = {
        t.area_kind: t
        for t in db.session.scalars(
            select(ChecklistTemplate)
            .where(ChecklistTemplate.property_id == g.property.id, ChecklistTemplate.current)
            .options(selectinload(ChecklistTemplate.items))
        )
    }
    schedules = {
        s.area_id: s
        for s in db.session.scalars(
            select(PatrolSchedule).where(
                PatrolSchedule.property_id == g.property.id, PatrolSchedule.current
            )
        )
    }
    areas = db.session.scalars(areas_at(g.property.id).order_by(Floor.level, Area.name)).all()
    return render_page(
        "patrols/checklists.html",
        "content",
        kinds=list(AreaKind),
        templates=templates,
        schedules=schedules,
        areas=areas,
    )


def _rows_of_form() -> tuple[list[dict], dict[int, dict]]:
    rows, errors = [], {}
    for index in range(int(request.form.get("rows", "0") or 0)):
        posted = _posted(f"item-{index}-")
        if posted.pop("remove", None) or not posted.get("label"):
            continue
        posted.setdefault("key", f"item_{uuid.uuid4().hex[:8]}")
        posted["photo_required"] = posted.get("photo_required") == "on"
        try:
            rows.append((index, ItemRow().load(posted)))
        except ValidationError as error:
            errors[index] = form_errors(error)
    keys = [row["key"] for _index, row in rows]
    for index, row in rows:
        if keys.count(row["key"]) > 1:
            errors.setdefault(index, {})["label"] = [_("Each item appears once.")]
    rows.sort(key=lambda pair: (pair[1].pop("position"), pair[0]))
    return [row for _index, row in rows], errors


@bp.route("/checklists/<kind>", methods=["GET", "POST"])
@roles_allowed(*EDITORS)
def checklist(kind: str):
    """Edit a checklist: saving makes a new version; the old stays for its rounds."""
    try:
        area_kind = AreaKind(kind)
    except ValueError:
        abort(404)
    template = _current(area_kind)
    items = items_of(template) if template else []
    errors: dict[int, dict] = {}
    status = 200
    if request.method == "POST":
        rows, errors = _rows_of_form()
        if not rows and not errors:
            errors[-1] = {"label": [_("A checklist needs at least one item.")]}
        if not errors:
            if rows == items:
                flash(_("Nothing changed."))
            elif template is None:
                build_template(g.property.id, area_kind, 1, rows, g.user)
                flash(_("Checklist saved as version %(version)s.", version=1))
            else:
                fresh = new_version(template, rows, g.user)
                flash(_("Checklist saved as version %(version)s.", version=fresh.version))
            db.session.commit()
            return redirect(url_for("patrols.checklist", kind=kind))
        status = 422
    return render_page(
        "patrols/checklist_edit.html",
        "content",
        status=status,
        area_kind=area_kind,
        checklist=template,
        items=items,
        new_rows=NEW_ROWS,
        errors=errors,
        form=request.form if request.method == "POST" else None,
        item_kinds=list(ItemKind),
        categories=list(RepairCategory),
    )


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@roles_allowed(*EDITORS)
def area(area_id: int):
    """An area's schedule and its own standards for the readings of its checklist."""
    area = db.session.scalar(areas_at(g.property.id).where(Area.id == area_id))
    if area is None:
        abort(404)
    schedule = db.session.scalar(
        select(PatrolSchedule).where(PatrolSchedule.area_id == area.id, PatrolSchedule.current)
    )
    template = _current(area.kind)
    readings = [i for i in (template.items if template else []) if i.kind is ItemKind.READING]
    standards = {
        s.item_key: s
        for s in db.session.scalars(select(AreaStandard).where(AreaStandard.area_id == area.id))
    }
    errors: dict[str, dict] = {}
    status = 200
    if request.method == "POST":
        loaded = {}
        try:
            loaded["schedule"] = ScheduleForm().load(_posted("schedule-"))
        except ValidationError as error:
            errors["schedule"] = form_errors(error)
        for item in readings:
            try:
                loaded[item.key] = RangeForm().load(_posted(f"std-{item.key}-"))
            except ValidationError as error:
                errors[item.key] = form_errors(error)
        if not errors:
            _save_area(area, schedule, standards, loaded)
            db.session.commit()
            flash(_("Schedule and standards saved."))
            return redirect(url_for("patrols.area", area_id=area.id))
        status = 422
    return render_page(
        "patrols/area_edit.html",
        "content",
        status=status,
        area=area,
        schedule=schedule,
        readings=readings,
        standards=standards,
        errors=errors,
        form=request.form if request.method == "POST" else None,
        every_choices=EVERY_CHOICES,
    )


def _save_area(area: Area, schedule, standards: dict, loaded: dict) -> None:
    wanted = loaded.pop("schedule")
    if schedule is None or any(getattr(schedule, k) != v for k, v in wanted.items()):
        change_schedule(schedule, area, **wanted)
    for key, bounds in loaded.items():
        standard = standards.get(key)
        if bounds["min_value"] is None and bounds["max_value"] is None:
            if standard is not None:
                db.session.delete(standard)
        elif standard is None:
            db.session.add(
                AreaStandard(property_id=g.property.id, area_id=area.id, item_key=key, **bounds)
            )
        else:
            standard.min_value, standard.max_value = bounds["min_value"], bounds["max_value"]
