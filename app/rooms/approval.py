"""The supervisor's decision 审批 on a request, and the work an approval creates."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User, utcnow
from app.rooms.models import Booking, BookingState, BookingTask, TaskKind

# How long before the start each setup task is due: the room opens before it is set up.
SETUP_LEAD = {
    TaskKind.OPEN_EARLY: None,  # when the setup buffer starts
    TaskKind.CLEANING: None,
    TaskKind.LAYOUT: timedelta(minutes=15),
    TaskKind.EQUIPMENT: timedelta(minutes=15),
    TaskKind.TEA: timedelta(minutes=10),
    TaskKind.GREET: timedelta(minutes=5),
}


def task_kinds(booking: Booking) -> list[TaskKind]:
    """The tasks a booking needs: equipment only if asked for, tea only if ordered."""
    kinds = [TaskKind.OPEN_EARLY, TaskKind.CLEANING, TaskKind.LAYOUT]
    if booking.equipment:
        kinds.append(TaskKind.EQUIPMENT)
    if booking.tea_for:
        kinds.append(TaskKind.TEA)
    return [*kinds, TaskKind.GREET, TaskKind.RESTORE]


def due_at(booking: Booking, kind: TaskKind):
    if kind is TaskKind.RESTORE:
        return booking.ends_at
    lead = SETUP_LEAD[kind]
    return booking.held_from if lead is None else booking.starts_at - lead


def task_id(booking_id: uuid.UUID, kind: TaskKind) -> uuid.UUID:
    return uuid.uuid5(booking_id, kind.value)


def approve(session: Session, booking: Booking, supervisor: User) -> None:
    """Confirm a pending booking and make its setup tasks and restore check."""
    booking.state = BookingState.CONFIRMED
    booking.decided_by = supervisor
    booking.decided_at = utcnow()
    # Only a pending booking is approved, and nothing makes one pending again: its tasks
    # are new. Two supervisors approving at once collide on the tasks' uuid5 ids.
    for kind in task_kinds(booking):
        session.add(
            BookingTask(
                id=task_id(booking.id, kind),
                property_id=booking.property_id,
                booking=booking,
                kind=kind,
                due_at=due_at(booking, kind),
            )
        )


def reject(session: Session, booking: Booking, supervisor: User, reason: str) -> None:
    """Refuse a pending request, with the reason the requester is told."""
    booking.state = BookingState.REJECTED
    booking.decided_by = supervisor
    booking.decided_at = utcnow()
    booking.reject_reason = reason


def cancel(session: Session, booking: Booking) -> None:
    """Cancel a booking: its slot is free at once."""
    booking.state = BookingState.CANCELLED


def pending_of_series(session: Session, booking: Booking) -> list[Booking]:
    """The bookings a decision on ``booking`` covers as a series: every day of its repeating
    request still awaiting approval, in date order; a single request is its own series."""
    if booking.series_id is None:
        return [booking]
    return list(
        session.scalars(
            select(Booking)
            .where(
                (Booking.series_id == booking.series_id)
                & (Booking.property_id == booking.property_id)
                & (Booking.state == BookingState.PENDING)
            )
            .order_by(Booking.starts_at)
        )
    )
