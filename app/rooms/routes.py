"""Meeting rooms: floor staff's day on the tablet; the office's grid, queue, bookings,
requests and rooms on the desktop."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import format_date, pgettext
from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from app.access import roles_allowed
from app.attachments import arrived
from app.desk import render_listing
from app.extensions import db
from app.forms import validate_form
from app.i18n import local_time
from app.jobs import reason_labels
from app.models import Building, Floor, utcnow
from app.rendering import is_fragment_request, render_page
from app.rooms import APPROVERS, DESK, FLOOR, ROOM_KEEPERS, bp
from app.rooms.approval import approve, cancel, pending_of_series, reject
from app.rooms.desk import LISTING, rooms_of
from app.rooms.models import (
    HOLDING,
    Booking,
    BookingState,
    BookingTask,
    Equipment,
    Layout,
    Repeat,
    Room,
    TaskKind,
    TaskTick,
)
from app.rooms.rules import Refused, requested_bookings
from app.rooms.schemas import DecisionFields, RoomFields
from app.rooms.sync import RequestFields, repair_ticket_id
from sync.changes import bump_partition

REQUEST = "rooms.request@1"
NIL = uuid.UUID(int=0)
RESTORE = "rooms.restore@1"


def _zone() -> ZoneInfo:
    return ZoneInfo(g.property.timezone)


def _today() -> date:
    return datetime.now(_zone()).date()


def _choices() -> dict:
    return {
        "layouts": list(Layout),
        "equipment": list(Equipment),
        "repeats": list(Repeat),
    }


def _labels() -> dict:
    """What the tablet's code shows of the values it holds, in the user's language."""
    return {
        "layouts": Layout.labels(),
        "equipment": Equipment.labels(),
        "states": BookingState.labels(),
        "tasks": TaskKind.labels(),
        "reasons": {code: str(label) for code, label in reason_labels().items()},
    }


@bp.app_template_filter("format_day")
def format_day(day: date) -> str:
    """A day as a grid's column heading: weekday and date."""
    return format_date(day, "EEE MM-dd")


@bp.app_template_filter("equipment_label")
def equipment_label(value: str) -> str:
    return Equipment(value).label


@bp.app_template_filter("layout_label")
def layout_label(value: str) -> str:
    return Layout(value).label


# --- Floor staff, tablet -------------------------------------------------------------


@bp.route("/")
@roles_allowed(*FLOOR)
def today():
    """Today's bookings of the property with their tasks, the request form and the
    restore check, all filled from the tablet's own copy (static/src/jobs/rooms.js)."""
    return render_page("rooms/today.html", "content", **_today_page())


def _today_page() -> dict:
    return {
        "request_mutation": REQUEST,
        "restore_mutation": RESTORE,
        "rooms": rooms_of(g.property.id),
        "labels": _labels(),
        **_choices(),
    }


@bp.route("/saved/<uuid:record_id>")
@roles_allowed(*FLOOR)
def saved(record_id: uuid.UUID):
    """What the server made of a request or restore check this tablet has just sent."""
    booking = db.session.get(Booking, record_id)
    tick = None if booking else db.session.get(TaskTick, record_id)
    if booking is not None and booking.property_id != g.property.id:
        booking = None
    if tick is not None and tick.created_by_id != g.user.id:
        tick = None
    return render_page(
        "rooms/today.html",
        "saved",
        booking=booking,
        tick=tick,
        looked_up=True,
        check="check" in request.args,
        **_today_page(),
    )


# --- Office and supervisor, desktop --------------------------------------------------


def _day_arg() -> date:
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return _today()


def _grid(view: str, first: date):
    days = [first + timedelta(days=n) for n in range(7 if view == "week" else 1)]
    zone = _zone()
    starts = datetime.combine(days[0], datetime.min.time(), zone).astimezone(UTC)
    ends = datetime.combine(days[-1] + timedelta(days=1), datetime.min.time(), zone)
    rows = db.session.execute(
        select(Booking.id, Booking.room_id, Booking.starts_at, Booking.ends_at)
        .add_columns(Booking.title, Booking.state)
        .where(
            (Booking.property_id == g.property.id)
            & (Booking.starts_at >= starts)
            & (Booking.starts_at < ends.astimezone(UTC))
        )
        .order_by(Booking.starts_at)
    )
    page = url_for("rooms.booking", record_id=NIL).removesuffix(str(NIL))
    labels = {state: escape(state.label) for state in BookingState}
    # Each cell's links are made here as one piece of HTML, not by the template: a week of
    # fifty rooms holds a thousand bookings, and the page must come within 50 ms.
    cells: dict[tuple[int, date], list[str]] = {}
    for record_id, room_id, starts_at, ends_at, title, state in rows:
        start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
        when = "%02d:%02d–%02d:%02d" % (start.hour, start.minute, end.hour, end.minute)  # noqa: UP031
        cells.setdefault((room_id, start.date()), []).append(
            f'<a class="slot {state.value}" href="{page}{record_id}">{when} {escape(title)} '
            f"<small>{labels[state]}</small></a>"
        )
    joined = {cell: Markup("".join(links)) for cell, links in cells.items()}
    return days, rooms_of(g.property.id), joined


@bp.route("/grid")
@roles_allowed(*DESK)
def grid():
    """A day or week of every room, paged by htmx with the address following."""
    view = "day" if request.args.get("view") == "day" else "week"
    day = _day_arg()
    first = day - timedelta(days=day.weekday()) if view == "week" else day
    step = timedelta(days=7 if view == "week" else 1)
    days, rooms, cells = _grid(view, first)
    return render_page(
        "rooms/grid.html",
        "grid",
        view=view,
        day=day,
        days=days,
        rooms=rooms,
        cells=cells,
        earlier=first - step,
        later=first + step,
        today=_today(),
        # Shown around the grid, not in the fragment that turns its pages.
        pending=None if is_fragment_request() else _pending_count(),
    )


def _pending_count() -> int:
    return db.session.scalar(
        select(func.count(Booking.id)).where(
            (Booking.property_id == g.property.id) & (Booking.state == BookingState.PENDING)
        )
    )


def _pending():
    return db.session.scalars(
        select(Booking)
        .where((Booking.property_id == g.property.id) & (Booking.state == BookingState.PENDING))
        .order_by(Booking.starts_at)
        .options(selectinload(Booking.room), selectinload(Booking.created_by))
    ).all()


@bp.route("/queue")
@roles_allowed(*APPROVERS)
def queue():
    """Requests waiting for the supervisor, soonest first; a repeating request is one row
    with every day it still waits, decided in one action."""
    requests: dict[uuid.UUID, list[Booking]] = {}
    for booking in _pending():
        requests.setdefault(booking.series_id or booking.id, []).append(booking)
    return render_page("rooms/queue.html", "content", requests=list(requests.values()))


@bp.route("/list")
@roles_allowed(*DESK)
def review():
    return render_listing(LISTING)


def _booking_here(record_id: uuid.UUID, *options) -> Booking:
    booking = db.session.get(Booking, record_id, options=options)
    if booking is None or booking.property_id != g.property.id:
        abort(404)
    return booking


def _booking_page(booking: Booking, status: int = 200, errors=None, form=None):
    ticks = [tick for task in booking.tasks for tick in task.ticks]
    photo_ids = [p for tick in ticks for p in tick.photo_ids or []]
    may_decide = g.user.role in APPROVERS and booking.state is BookingState.PENDING
    return render_page(
        "rooms/booking.html",
        "content",
        status=status,
        booking=booking,
        may_decide=may_decide,
        series=pending_of_series(db.session, booking) if may_decide else [],
        may_cancel=booking.state in HOLDING,
        errors=errors or {},
        form=form or {},
        arrived=arrived(photo_ids),
        repair_ticket_id=repair_ticket_id,
    )


@bp.route("/bookings/<uuid:record_id>")
@roles_allowed(*DESK)
def booking(record_id: uuid.UUID):
    """A booking with its tasks: who did each, when, on which device."""
    tasks = selectinload(Booking.tasks)
    ticks = tasks.selectinload(BookingTask.ticks)
    return _booking_page(
        _booking_here(
            record_id,
            tasks.joinedload(BookingTask.done_by),
            ticks.joinedload(TaskTick.created_by),
            ticks.joinedload(TaskTick.device),
        )
    )


@bp.route("/bookings/<uuid:record_id>/decide", methods=["POST"])
@roles_allowed(*APPROVERS)
def decide(record_id: uuid.UUID):
    """Approve a request, or reject it with the reason the requester is told: one day, or
    every day of a repeating request still waiting, each day still its own booking."""
    booking = _booking_here(record_id)
    if booking.state is not BookingState.PENDING:
        return _booking_page(booking, 409, {"decision": [_("This request was decided already.")]})
    data, errors = validate_form(DecisionFields())
    if errors:
        return _booking_page(booking, 422, errors, request.form)
    decision, _sep, scope = data["decision"].partition("_")
    decided = pending_of_series(db.session, booking) if scope == "series" else [booking]
    for each in decided:
        if decision == "approve":
            approve(db.session, each, g.user)
        else:
            reject(db.session, each, g.user, data["reason"])
    db.session.commit()
    flash(_decided_message(decision, decided), "info")
    return redirect(url_for("rooms.queue"))


def _decided_message(decision: str, decided: list[Booking]) -> str:
    """What a decision did, named: the meeting, its room and every day it covered."""
    first = decided[0]
    days = pgettext("list separator", ", ").join(local_time(b.starts_at, "MM-dd") for b in decided)
    hours = f"{local_time(first.starts_at, 'HH:mm')}–{local_time(first.ends_at, 'HH:mm')}"
    named = {"title": first.title, "room": first.room.name, "when": f"{days} {hours}"}
    if len(decided) > 1:
        named["count"] = len(decided)
        if decision == "approve":
            return _("Approved all %(count)s days: “%(title)s”, %(room)s, %(when)s.", **named)
        return _("Rejected all %(count)s days: “%(title)s”, %(room)s, %(when)s.", **named)
    if decision == "approve":
        return _("Approved: “%(title)s”, %(room)s, %(when)s.", **named)
    return _("Rejected: “%(title)s”, %(room)s, %(when)s.", **named)


@bp.route("/bookings/<uuid:record_id>/cancel", methods=["POST"])
@roles_allowed(*DESK)
def cancel_booking(record_id: uuid.UUID):
    """Cancel a booking: the room is free at once for the next request."""
    booking = _booking_here(record_id)
    if booking.state not in HOLDING:
        return _booking_page(booking, 409, {"cancel": [_("This booking holds no room.")]})
    cancel(db.session, booking)
    db.session.commit()
    return redirect(url_for("rooms.booking", record_id=booking.id))


def _request_page(status=200, errors=None, form=None, refusal=None):
    return render_page(
        "rooms/request.html",
        "content",
        status=status,
        rooms=rooms_of(g.property.id),
        errors=errors or {},
        form=form or {},
        refusal=refusal,
        reason_labels=reason_labels(),
        **_choices(),
    )


@bp.route("/bookings/new", methods=["GET", "POST"])
@roles_allowed(*DESK)
def book():
    """A request made by the office on a tenant's behalf, checked as a tablet's is."""
    if request.method == "GET":
        return _request_page(form={"date": _day_arg().isoformat()})
    data, errors = validate_form(RequestFields())
    if errors:
        return _request_page(422, errors, request.form)
    first_id = uuid.uuid4()
    # The property's write lock, as a push holds it: no request slips in between.
    bump_partition(db.session, g.property.id)
    try:
        bookings = requested_bookings(
            db.session, g.property.id, g.property.timezone, first_id, data
        )
    except Refused as refused:
        db.session.rollback()
        return _request_page(422, {}, request.form, refused)
    now = utcnow()
    for booking_id, values in bookings:
        db.session.add(
            Booking(
                id=booking_id,
                **values,
                created_by_id=g.user.id,
                device_id=g.device.id if g.device else None,
                device_time=now,
                received_at=now,
            )
        )
    db.session.commit()
    return redirect(url_for("rooms.booking", record_id=first_id))


# --- Rooms, set up by the office -----------------------------------------------------


def _floors():
    return db.session.scalars(
        select(Floor)
        .join(Building)
        .where(Building.property_id == g.property.id)
        .order_by(Floor.level)
        .options(contains_eager(Floor.building))
    ).all()


def _room_form(room: Room | None, status=200, errors=None, form=None):
    return render_page(
        "rooms/room_form.html",
        "content",
        status=status,
        room=room,
        floors=_floors(),
        errors=errors or {},
        form=form,
        **_choices(),
    )


def _save_room(room: Room | None):
    data, errors = validate_form(RoomFields(floor_ids=[f.id for f in _floors()]))
    if errors:
        return _room_form(room, 422, errors, request.form)
    if room is None:
        room = Room(property_id=g.property.id)
        db.session.add(room)
    for name, value in data.items():
        setattr(room, name, value)
    room.equipment = [e.value for e in data["equipment"]]
    room.layouts = [layout.value for layout in data["layouts"]]
    db.session.commit()
    return redirect(url_for("rooms.rooms"))


@bp.route("/rooms")
@roles_allowed(*ROOM_KEEPERS)
def rooms():
    return render_page("rooms/rooms.html", "content", rooms=rooms_of(g.property.id))


@bp.route("/rooms/new", methods=["GET", "POST"])
@roles_allowed(*ROOM_KEEPERS)
def room_new():
    if request.method == "GET":
        return _room_form(None)
    return _save_room(None)


@bp.route("/rooms/<int:room_id>", methods=["GET", "POST"])
@roles_allowed(*ROOM_KEEPERS)
def room_edit(room_id: int):
    room = db.session.get(Room, room_id)
    if room is None or room.property_id != g.property.id:
        abort(404)
    if request.method == "GET":
        return _room_form(room)
    return _save_room(room)
