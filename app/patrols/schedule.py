"""When an area is due for a patrol: the slots of its schedule and how rounds cover them.

Plain functions of times, no Flask and no database, so that the server's reports and
their tests share them (the tablet runs the same rules in static/src/jobs/patrols.js).

A schedule runs from ``starts`` every ``every_minutes`` up to and including ``ends``,
in the property's local time; an ``ends`` before ``starts`` runs past midnight. With no
``every_minutes`` it is once a day at ``starts``. Each slot lasts until the next one
(or its own length, whichever comes first). A round begun within a slot covers it: on
time within ``GRACE`` of the slot's start, late after it; a slot that ends uncovered was
missed. An edited schedule takes effect from its ``effective_from``: each slot comes
from the schedule in effect at its time.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

#: How long after a slot's start a round is still on time.
GRACE = timedelta(minutes=15)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Schedule:
    """One version of an area's schedule (times local to the property)."""

    every_minutes: int | None
    starts: time
    ends: time | None
    effective_from: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    @property
    def length(self) -> timedelta:
        return DAY if self.every_minutes is None else timedelta(minutes=self.every_minutes)


@dataclass(frozen=True)
class Slot:
    """A time at which a round is due, and when the chance to do it ends."""

    starts: datetime
    ends: datetime


class State(enum.StrEnum):
    """Where an area stands now: nothing due, due, overdue, or done for this slot."""

    IDLE = "idle"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"


class Outcome(enum.StrEnum):
    """What became of a slot."""

    ON_TIME = "on_time"
    LATE = "late"
    MISSED = "missed"
    PENDING = "pending"  # not over yet, no round so far


@dataclass(frozen=True)
class Status:
    state: State
    slot: Slot | None  # the slot now running, if any
    done_at: datetime | None  # the round that covers it; idle: the latest since the last slot
    overdue_minutes: int
    next_slot: datetime | None  # when the next slot starts, if none runs now


def _wall_times(schedule: Schedule, day: date) -> list[datetime]:
    first = datetime.combine(day, schedule.starts)
    if schedule.every_minutes is None:
        return [first]
    last = datetime.combine(day, schedule.ends or schedule.starts)
    if last < first:
        last += DAY  # the run goes on past midnight
    step = timedelta(minutes=schedule.every_minutes)
    times = []
    moment = first
    while moment <= last:
        times.append(moment)
        moment += step
    return times


def slots(schedules: Sequence[Schedule], since: datetime, until: datetime, zone: str) -> list[Slot]:
    """The slots that start in [since, until), each from the schedule in effect then."""
    tz = ZoneInfo(zone)
    ordered = sorted(schedules, key=lambda s: s.effective_from)
    starts: dict[datetime, Schedule] = {}
    first_day = since.astimezone(tz).date() - timedelta(days=2)
    last_day = until.astimezone(tz).date() + timedelta(days=1)
    for index, schedule in enumerate(ordered):
        valid_until = ordered[index + 1].effective_from if index + 1 < len(ordered) else None
        day = first_day
        while day <= last_day:
            for wall in _wall_times(schedule, day):
                moment = wall.replace(tzinfo=tz).astimezone(UTC)
                in_effect = schedule.effective_from <= moment and (
                    valid_until is None or moment < valid_until
                )
                if in_effect:
                    starts[moment] = schedule
            day += timedelta(days=1)
    moments = sorted(starts)
    result = []
    for index, moment in enumerate(moments):
        ends = moment + starts[moment].length
        if index + 1 < len(moments):
            ends = min(ends, moments[index + 1])
        if since <= moment < until:
            result.append(Slot(moment, ends))
    return result


def _first_round_in(slot: Slot, rounds: Sequence[datetime]) -> datetime | None:
    return min((t for t in rounds if slot.starts <= t < slot.ends), default=None)


def status_at(
    schedules: Sequence[Schedule], rounds: Sequence[datetime], now: datetime, zone: str
) -> Status:
    """Where an area stands at ``now``, given the start times of its rounds."""
    around = slots(schedules, now - 2 * DAY, now + 2 * DAY, zone)
    current = next((s for s in around if s.starts <= now < s.ends), None)
    upcoming = next((s.starts for s in around if s.starts > now), None)
    if current is None:
        # Between runs the area still shows who walked it last, since the last slot began.
        last_began = max((s.starts for s in around if s.ends <= now), default=now)
        latest = max((t for t in rounds if last_began <= t <= now), default=None)
        return Status(State.IDLE, None, latest, 0, upcoming)
    done = _first_round_in(current, rounds)
    if done is not None:
        return Status(State.DONE, current, done, 0, upcoming)
    late_by = now - current.starts
    if late_by <= GRACE:
        return Status(State.DUE, current, None, 0, upcoming)
    return Status(State.OVERDUE, current, None, int(late_by.total_seconds() // 60), upcoming)


def outcomes(
    schedules: Sequence[Schedule],
    rounds: Sequence[datetime],
    since: datetime,
    until: datetime,
    now: datetime,
    zone: str,
) -> list[tuple[Slot, Outcome, datetime | None]]:
    """Each slot starting in [since, until): on time, late, missed or still pending."""
    found = []
    for slot in slots(schedules, since, until, zone):
        done = _first_round_in(slot, rounds)
        if done is not None:
            outcome = Outcome.ON_TIME if done - slot.starts <= GRACE else Outcome.LATE
        elif slot.ends <= now:
            outcome = Outcome.MISSED
        else:
            outcome = Outcome.PENDING
        found.append((slot, outcome, done))
    return found
