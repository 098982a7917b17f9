"""The property's places: everyone's list; the admin adds, renames and removes buildings,
floors and areas on it, in place (htmx) or page by page; properties of their own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import flag_modified

from app.access import ALL_ROLES, roles_allowed
from app.extensions import db
from app.forms import validate_form
from app.models import (
    Area,
    AreaKind,
    Building,
    Floor,
    Property,
    Role,
    areas_at,
    new_checkpoint_code,
)
from app.places import VIEWERS, bp
from app.places.checkpoints import sticker_svg
from app.places.schemas import (
    TIMEZONES,
    AreaSchema,
    BuildingSchema,
    FloorSchema,
    PropertySchema,
)
from app.rendering import is_fragment_request, render_page


@dataclass(frozen=True)
class PlaceKind:
    """Buildings, floors and areas as the admin's forms handle them alike.

    ``owned(property_id)`` queries the places of this kind at a property; ``parents``
    does the same for the places a new one is added to (its ``parent``), whose
    ``collection`` holds them; ``child_model`` is what the place itself holds.
    """

    name: str
    model: type
    schema: type[Schema]
    owned: Callable[[int], Select]
    parent: str
    parent_model: type
    parents: Callable[[int], Select]
    collection: str
    child_model: type | None
    taken: LazyString
    not_empty: LazyString | None


KINDS = {
    kind.name: kind
    for kind in (
        PlaceKind(
            "building",
            Building,
            BuildingSchema,
            owned=lambda pid: select(Building).where(Building.property_id == pid),
            parent="property",
            parent_model=Property,
            parents=lambda pid: select(Property).where(Property.id == pid),
            collection="buildings",
            child_model=Floor,
            taken=_l("This property already has a building of this name."),
            not_empty=_l("This building still has floors: remove them first."),
        ),
        PlaceKind(
            "floor",
            Floor,
            FloorSchema,
            owned=lambda pid: select(Floor).join(Building).where(Building.property_id == pid),
            parent="building",
            parent_model=Building,
            parents=lambda pid: select(Building).where(Building.property_id == pid),
            collection="floors",
            child_model=Area,
            taken=_l("This building already has a floor of this name."),
            not_empty=_l("This floor still has areas: remove them first."),
        ),
        PlaceKind(
            "area",
            Area,
            AreaSchema,
            owned=areas_at,
            parent="floor",
            parent_model=Floor,
            parents=lambda pid: select(Floor).join(Building).where(Building.property_id == pid),
            collection="areas",
            child_model=None,
            taken=_l("This floor already has an area of this name."),
            not_empty=None,
        ),
    )
}
ADMIN_ONLY = (Role.ADMIN,)


def _kind_or_404(name: str) -> PlaceKind:
    if name not in KINDS:
        abort(404)
    return KINDS[name]


def _property_or_404() -> Property:
    if g.property is None:
        abort(404)
    return g.property


def _place_or_404(query: Select):
    # A place of another property is answered as if absent, so ids reveal nothing.
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found


def _owned_or_404(kind: PlaceKind, place_id: int):
    prop = _property_or_404()
    return _place_or_404(kind.owned(prop.id).where(kind.model.id == place_id))


def _buildings(prop: Property | None) -> list[Building]:
    if prop is None:
        return []
    return list(
        db.session.scalars(
            select(Building)
            .where(Building.property_id == prop.id)
            .order_by(Building.name)
            .options(selectinload(Building.floors).selectinload(Floor.areas))
        )
    )


def _places_page(status: int = 200, **state):
    """The list of places, whole or (htmx) only its block, with one form's state in it.

    ``state`` names the form that is open or was sent (``target``, as ``kind:id`` or
    ``new-kind:parent_id``), what was typed in it (``form``) and its ``errors``, a
    removal awaiting confirmation (``removing``) and a line that says what happened.
    """
    prop = g.property
    return render_page(
        "places/index.html",
        "places",
        status=status,
        prop=prop,
        buildings=_buildings(prop),
        manage=g.user.role is Role.ADMIN,
        view_details=g.user.role in VIEWERS,
        kinds=list(AreaKind),
        schemas={name: kind.schema() for name, kind in KINDS.items()},
        target=state.get("target"),
        form=state.get("form", {}),
        errors=state.get("errors", {}),
        removing=state.get("removing"),
        refusal=state.get("refusal"),
        notice=state.get("notice"),
    )


def _done(message: str, target: str | None = None, anchor: str | None = None):
    """After a change: the list again, in place for htmx (``target`` open), else by a
    redirect with a flash to where the change was."""
    if is_fragment_request():
        return _places_page(notice=message, target=target)
    flash(message, "info")
    return redirect(url_for("places.index", _anchor=anchor))


@bp.route("/places")
@roles_allowed(*ALL_ROLES)
def index():
    return _places_page()


def _name_taken(kind: PlaceKind, parent, name: str, place=None) -> bool:
    return any(
        other.name == name and other is not place for other in getattr(parent, kind.collection)
    )


def _resync_areas(place) -> None:
    """A tablet's copy of an area names its floor and building: renaming either sends
    their areas again."""
    floors = place.floors if isinstance(place, Building) else [place]
    for floor in floors:
        for area in floor.areas:
            flag_modified(area, "name")


@bp.route("/places/<kind_name>/in/<int:parent_id>", methods=["GET", "POST"])
@roles_allowed(*ADMIN_ONLY)
def add(kind_name: str, parent_id: int):
    """Add a building, floor or area; GET opens the form in the list (an area's form is
    there only when asked for, so that the list stays dense)."""
    kind = _kind_or_404(kind_name)
    prop = _property_or_404()
    parent = _place_or_404(kind.parents(prop.id).where(kind.parent_model.id == parent_id))
    # The form stays open after a place is added, for the next one.
    target = f"new-{kind.name}:{parent.id}"
    if request.method == "GET":
        return _places_page(target=target)
    data, errors = validate_form(kind.schema())
    if not errors and _name_taken(kind, parent, data["name"]):
        errors = {"name": [str(kind.taken)]}
    if errors:
        return _places_page(422, target=target, form=request.form, errors=errors)
    place = kind.model(**data)
    getattr(parent, kind.collection).append(place)
    db.session.commit()
    return _done(_("%(name)s added.", name=place.name), target, _anchor(kind, place))


@bp.route("/places/<kind_name>/<int:place_id>/edit", methods=["GET", "POST"])
@roles_allowed(*ADMIN_ONLY)
def edit(kind_name: str, place_id: int):
    """Rename a place (and change a floor's level, an area's kind) in its row."""
    kind = _kind_or_404(kind_name)
    place = _owned_or_404(kind, place_id)
    target = f"{kind.name}:{place.id}"
    if request.method == "GET":
        return _places_page(target=target)
    data, errors = validate_form(kind.schema())
    if not errors and _name_taken(kind, getattr(place, kind.parent), data["name"], place):
        errors = {"name": [str(kind.taken)]}
    if errors:
        return _places_page(422, target=target, form=request.form, errors=errors)
    for field, value in data.items():
        setattr(place, field, value)
    if kind.child_model is not None:
        _resync_areas(place)
    db.session.commit()
    return _done(_("%(name)s saved.", name=place.name), anchor=_anchor(kind, place))


def _anchor(kind: PlaceKind, place) -> str:
    return f"{kind.name}-{place.id}"


def _references(kind: PlaceKind, place) -> tuple[int, int]:
    """(children, other records) that refer to this place by foreign key.

    Every table counts, whichever job made it: a record of a job built later keeps its
    place as surely as a duty log entry does.
    """
    table = place.__table__
    children = others = 0
    child_table = kind.child_model.__table__ if kind.child_model is not None else None
    for other in db.metadata.sorted_tables:
        for key in other.foreign_keys:
            if key.column.table is not table:
                continue
            count = db.session.scalar(
                select(func.count()).select_from(other).where(key.parent == place.id)
            )
            if other is child_table:
                children += count
            else:
                others += count
    return children, others


def _refusal(kind: PlaceKind, place) -> str | None:
    """Why this place may not be removed, or None."""
    children, others = _references(kind, place)
    if children:
        return str(kind.not_empty)
    if others:
        return _(
            "%(count)d records (duty log entries, patrol rounds…) refer to this place: it "
            "stays, so that they keep where they happened. Rename it if it changed.",
            count=others,
        )
    return None


@bp.route("/places/<kind_name>/<int:place_id>/remove", methods=["GET", "POST"])
@roles_allowed(*ADMIN_ONLY)
def remove(kind_name: str, place_id: int):
    """Remove a place once confirmed; one that still holds places or that records refer
    to stays, and the confirmation says why instead."""
    kind = _kind_or_404(kind_name)
    place = _owned_or_404(kind, place_id)
    target = f"{kind.name}:{place.id}"
    refusal = _refusal(kind, place)
    if request.method == "GET" or refusal:
        return _places_page(
            422 if request.method == "POST" else 200,
            target=target,
            removing=target,
            refusal=refusal,
        )
    # Deleted as it is, still on its floor: the tablets' copy is removed by where it was.
    db.session.delete(place)
    db.session.commit()
    return _done(_("%(name)s removed.", name=place.name))


def _property_form(prop: Property | None, status: int = 200, **state):
    return render_page(
        "places/property_form.html",
        "content",
        status=status,
        editing=prop,
        schema=PropertySchema(),
        timezones=TIMEZONES,
        form=state.get("form", {}),
        errors=state.get("errors", {}),
    )


def _property_errors(data, errors, prop: Property | None) -> dict:
    if errors:
        return errors
    holder = db.session.scalar(select(Property).where(Property.code == data["code"]))
    if holder is not None and holder is not prop:
        return {"code": [_("Another property has this code.")]}
    return {}


@bp.route("/places/properties/new", methods=["GET", "POST"])
@roles_allowed(*ADMIN_ONLY)
def property_new():
    """A new property, which its creator then works at (and so can reach at once)."""
    if request.method == "GET":
        return _property_form(None)
    data, errors = validate_form(PropertySchema())
    errors = _property_errors(data, errors, None)
    if errors:
        return _property_form(None, 422, form=request.form, errors=errors)
    prop = Property(**data)
    g.user.properties.append(prop)
    if g.device is not None:
        g.device.property = prop
    db.session.commit()
    session["property_id"] = prop.id
    flash(_("Property %(name)s added: add its buildings now.", name=prop.name), "info")
    return redirect(url_for("places.index"))


@bp.route("/places/property", methods=["GET", "POST"])
@roles_allowed(*ADMIN_ONLY)
def property_edit():
    """The name, code and time zone of the property the admin works at."""
    prop = _property_or_404()
    if request.method == "GET":
        return _property_form(prop)
    data, errors = validate_form(PropertySchema())
    errors = _property_errors(data, errors, prop)
    if errors:
        return _property_form(prop, 422, form=request.form, errors=errors)
    for field, value in data.items():
        setattr(prop, field, value)
    db.session.commit()
    flash(_("Property %(name)s saved.", name=prop.name), "info")
    return redirect(url_for("places.index"))


def _area_or_404(area_id: int) -> Area:
    return _owned_or_404(KINDS["area"], area_id)


def _area_page(area: Area, confirming: bool = False, notice: str | None = None):
    return render_page(
        "places/area.html",
        "checkpoint",
        area=area,
        manage=g.user.role is Role.ADMIN,
        confirming=confirming,
        notice=notice,
        sticker_svg=sticker_svg,
    )


@bp.route("/places/areas/<int:area_id>")
@roles_allowed(*VIEWERS)
def area(area_id: int):
    """An area's checkpoint: its code, its sticker, and (the admin) a new code."""
    return _area_page(_area_or_404(area_id))


@bp.route("/places/areas/<int:area_id>/code", methods=["GET", "POST"])
@roles_allowed(*ADMIN_ONLY)
def new_code(area_id: int):
    """Issue the area a new checkpoint code, once confirmed: its old stickers stop working."""
    area = _area_or_404(area_id)
    if request.method == "GET":
        return _area_page(area, confirming=True)
    area.checkpoint_code = new_checkpoint_code()
    db.session.commit()
    issued = _("New checkpoint code issued: print the new sticker and replace the old one.")
    if is_fragment_request():
        return _area_page(area, notice=issued)
    flash(issued, "info")
    return redirect(url_for("places.area", area_id=area.id))


def _chosen_ids(name: str) -> list[int]:
    return [int(value) for value in request.args.getlist(name) if value.isdigit()]


@bp.route("/places/stickers")
@roles_allowed(*VIEWERS)
def stickers():
    """Checkpoint stickers to print, several to an A4 sheet: the chosen areas, and every
    area of the chosen floors and buildings."""
    prop = _property_or_404()
    chosen = (
        Area.id.in_(_chosen_ids("area"))
        | Floor.id.in_(_chosen_ids("floor"))
        | Building.id.in_(_chosen_ids("building"))
    )
    areas = list(
        db.session.scalars(
            areas_at(prop.id).where(chosen).order_by(Building.name, Floor.level, Area.name)
        )
    )
    return render_page(
        "places/stickers.html",
        "content",
        areas=areas,
        sticker_svg=sticker_svg,
    )
