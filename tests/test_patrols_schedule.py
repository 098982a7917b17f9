"""When an area is due (app/patrols/schedule.py): slots, due, late and missed rounds,
across midnight, in several time zones and through a change of schedule; and the
round's schema against any input."""

import functools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from app import create_app
from app.patrols.models import Outcome
from app.patrols.schedule import GRACE, Schedule, State, outcomes, slots, status_at
from app.patrols.schedule import Outcome as SlotOutcome
from app.patrols.sync import RoundArgs

SHANGHAI = "Asia/Shanghai"
HOURLY_LOBBY = Schedule(60, time(8), time(20))
TWO_HOURLY = Schedule(120, time(8), time(20))
NIGHTS = Schedule(120, time(22), time(6))
DAILY = Schedule(None, time(9), None)


def local(zone: str, *parts) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def day_of(schedule, zone=SHANGHAI, day=(2026, 12, 1)):
    since = local(zone, *day, 0, 0)
    return slots([schedule], since, since + timedelta(days=1), zone)


def test_the_lobby_is_due_every_hour_from_eight_to_eight():
    starts = [s.starts.astimezone(ZoneInfo(SHANGHAI)).hour for s in day_of(HOURLY_LOBBY)]
    assert starts == list(range(8, 21))
    assert [s.ends - s.starts for s in day_of(HOURLY_LOBBY)] == [timedelta(hours=1)] * 13


def test_due_then_overdue_then_done():
    rounds: list[datetime] = []
    at = lambda hour, minute: local(SHANGHAI, 2026, 12, 1, hour, minute)  # noqa: E731
    assert status_at([HOURLY_LOBBY], rounds, at(10, 5), SHANGHAI).state is State.DUE
    overdue = status_at([HOURLY_LOBBY], rounds, at(10, 40), SHANGHAI)
    assert overdue.state is State.OVERDUE and overdue.overdue_minutes == 40
    rounds.append(at(10, 42))
    done = status_at([HOURLY_LOBBY], rounds, at(10, 50), SHANGHAI)
    assert done.state is State.DONE and done.done_at == at(10, 42)
    # The next hour is a slot of its own.
    assert status_at([HOURLY_LOBBY], rounds, at(11, 1), SHANGHAI).state is State.DUE


def test_nothing_is_due_outside_the_schedule():
    night = status_at([TWO_HOURLY], [], local(SHANGHAI, 2026, 12, 1, 23, 0), SHANGHAI)
    assert night.state is State.IDLE
    assert night.next_slot == local(SHANGHAI, 2026, 12, 2, 8, 0)


def test_between_runs_an_area_shows_its_latest_round_since_the_last_slot_began():
    at = lambda hour, minute, day=1: local(SHANGHAI, 2026, 12, day, hour, minute)  # noqa: E731
    before_last_slot = [at(18, 5)]
    assert status_at([TWO_HOURLY], before_last_slot, at(22, 30), SHANGHAI).done_at is None
    rounds = [*before_last_slot, at(21, 50), at(22, 9)]
    night = status_at([TWO_HOURLY], rounds, at(22, 30), SHANGHAI)
    assert night.state is State.IDLE and night.done_at == at(22, 9)
    # A round between runs does not cover the next slot.
    assert status_at([TWO_HOURLY], rounds, at(8, 5, day=2), SHANGHAI).state is State.DUE


def test_a_night_schedule_runs_across_midnight():
    starts = [s.starts.astimezone(ZoneInfo(SHANGHAI)) for s in day_of(NIGHTS)]
    # The run that began the evening before ends at 06:00; tonight's starts at 22:00.
    assert [(t.day, t.hour) for t in starts] == [(1, 0), (1, 2), (1, 4), (1, 6), (1, 22)]
    done_before_midnight = local(SHANGHAI, 2026, 11, 30, 23, 50)
    after_midnight = local(SHANGHAI, 2026, 12, 1, 0, 30)
    assert (
        status_at([NIGHTS], [done_before_midnight], after_midnight, SHANGHAI).state is State.OVERDUE
    )
    # 23:50 covers the 22:00 slot, late; 00:00 was missed.
    found = outcomes(
        [NIGHTS],
        [done_before_midnight],
        local(SHANGHAI, 2026, 11, 30, 21, 0),
        local(SHANGHAI, 2026, 12, 1, 3, 0),
        local(SHANGHAI, 2026, 12, 1, 3, 0),
        SHANGHAI,
    )
    assert [outcome for _slot, outcome, _done in found] == [
        SlotOutcome.LATE,
        SlotOutcome.MISSED,
        SlotOutcome.PENDING,
    ]


def test_a_daily_round_lasts_until_the_next_day():
    rounds = [local(SHANGHAI, 2026, 12, 1, 16, 0)]
    evening = status_at([DAILY], rounds, local(SHANGHAI, 2026, 12, 2, 8, 59), SHANGHAI)
    assert evening.state is State.DONE
    assert status_at([DAILY], rounds, local(SHANGHAI, 2026, 12, 2, 9, 30), SHANGHAI).state is (
        State.OVERDUE
    )


def test_slots_follow_the_property_s_time_zone_and_its_clock_changes():
    berlin = [s.starts for s in day_of(TWO_HOURLY, "Europe/Berlin", (2026, 3, 29))]
    assert berlin[0] == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 CEST, the day it starts
    new_york = [s.starts for s in day_of(TWO_HOURLY, "America/New_York", (2026, 12, 1))]
    assert new_york[0] == datetime(2026, 12, 1, 13, 0, tzinfo=UTC)
    shanghai = [s.starts for s in day_of(TWO_HOURLY)]
    assert shanghai[0] == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_a_schedule_change_judges_each_slot_by_the_schedule_of_its_time():
    changed = local(SHANGHAI, 2026, 12, 1, 12, 30)
    history = [HOURLY_LOBBY, Schedule(120, time(8), time(20), effective_from=changed)]
    hours = [s.starts.astimezone(ZoneInfo(SHANGHAI)).hour for s in day_of_history(history)]
    assert hours == [8, 9, 10, 11, 12, 14, 16, 18, 20]


def day_of_history(history):
    since = local(SHANGHAI, 2026, 12, 1, 0, 0)
    return slots(history, since, since + timedelta(days=1), SHANGHAI)


schedules = st.builds(
    Schedule,
    every_minutes=st.one_of(st.none(), st.integers(min_value=15, max_value=720)),
    starts=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    ends=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)
zones = st.sampled_from([SHANGHAI, "Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"])
moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
)


@given(schedules, zones, moments)
def test_slots_are_ordered_and_never_overlap(schedule, zone, since):
    found = slots([schedule], since, since + timedelta(days=3), zone)
    for slot in found:
        assert since <= slot.starts < since + timedelta(days=3)
        assert slot.starts < slot.ends <= slot.starts + schedule.length
    for earlier, later in zip(found, found[1:], strict=False):
        assert earlier.ends <= later.starts


@given(schedules, zones, moments, st.lists(st.integers(0, 3 * 24 * 60), max_size=8))
def test_the_state_agrees_with_the_slots_and_rounds(schedule, zone, now, minutes_ago):
    rounds = [now - timedelta(minutes=m) for m in minutes_ago]
    found = status_at([schedule], rounds, now, zone)
    if found.state is State.IDLE:
        assert found.slot is None
        return
    assert found.slot.starts <= now < found.slot.ends
    covering = [t for t in rounds if found.slot.starts <= t < found.slot.ends]
    assert (found.state is State.DONE) == bool(covering)
    if found.state is State.DUE:
        assert now - found.slot.starts <= GRACE
    if found.state is State.OVERDUE:
        assert found.overdue_minutes * 60 <= (now - found.slot.starts).total_seconds()


results = st.lists(
    st.fixed_dictionaries(
        {"item_id": st.one_of(st.integers(), st.text(max_size=3))},
        optional={
            "outcome": st.sampled_from(["ok", "problem", "na", "bad", None]),
            "value": st.one_of(st.none(), st.floats(), st.text(max_size=3)),
            "note": st.one_of(st.none(), st.text(max_size=5)),
            "photo_ids": st.lists(st.uuids().map(str), max_size=5),
        },
    ),
    max_size=4,
)
round_args = st.fixed_dictionaries(
    {},
    optional={
        "id": st.one_of(st.uuids().map(str), st.text(max_size=5)),
        "area_id": st.one_of(st.integers(), st.none()),
        "template_id": st.integers(),
        "template_version": st.integers(),
        "started_at": st.one_of(moments.map(datetime.isoformat), st.text(max_size=5)),
        "ended_at": st.one_of(moments.map(datetime.isoformat), st.just("2026-01-01T00:00")),
        "scanned": st.one_of(st.booleans(), st.none()),
        "checkpoint_code": st.one_of(st.none(), st.text(max_size=70)),
        "results": results,
    },
)


# The schema's inputs are nested: slow to draw on a loaded machine, not wrong.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(round_args)
def test_the_round_schema_loads_or_refuses_with_messages_never_crashes(args):
    app = _schema_app()
    with app.test_request_context():
        try:
            loaded = RoundArgs().load(args)
        except ValidationError as error:
            assert error.normalized_messages()
            return
    assert loaded["ended_at"] >= loaded["started_at"]
    assert 1 <= len(loaded["results"]) <= 100
    for result in loaded["results"]:
        problem = result["outcome"] is Outcome.PROBLEM
        assert not problem or result["value"] is not None or result["note"] or result["photo_ids"]


@functools.cache
def _schema_app():
    """An app for the schema's messages only: it never opens its database."""
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "schema"})
