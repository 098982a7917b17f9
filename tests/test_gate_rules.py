"""The gate's pure rules: ID-card check digits, masking, working hours."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.gate.rules import check_character, masked_id, valid_id_number, within_hours

# The example of GB 11643-1999 itself, and numbers whose check digits were worked by hand.
VALID = ["11010519491231002X", "440524188001010014", "110101199003074477", "11010519491231002x"]
INVALID = [
    "110105194912310021",  # wrong check digit
    "11010519491331002X",  # month 13
    "1101051949123100",  # too short
    "11010519491231002XX",  # too long
    "A1010519491231002X",  # not a digit
    "１１0105194912310021",  # full-width digits
    "",
]


@pytest.mark.parametrize("number", VALID)
def test_valid_id_numbers_pass(number):
    assert valid_id_number(number)


@pytest.mark.parametrize("number", INVALID)
def test_invalid_id_numbers_fail(number):
    assert not valid_id_number(number)


birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31))


@given(
    st.from_regex(r"\A[1-6][0-9]{5}\Z"),
    birth_dates,
    st.from_regex(r"\A[0-9]{3}\Z"),
    st.sampled_from("0123456789X"),
)
def test_exactly_the_right_check_character_passes(region, born, order, last):
    first17 = f"{region}{born:%Y%m%d}{order}"
    assert valid_id_number(first17 + last) == (last == check_character(first17))


@given(st.text(max_size=20))
def test_any_text_is_answered_without_error(text):
    assert valid_id_number(text) in (True, False)


def test_the_id_number_is_masked_but_for_region_and_last_four():
    assert masked_id("110101199003074477") == "110101********4477"


MONDAY = datetime(2026, 11, 30)
DEFAULT = [["08:00", "12:00"], ["14:00", "18:00"]]
MON_TO_SAT = [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (MONDAY.replace(hour=8), True),
        (MONDAY.replace(hour=7, minute=59), False),
        (MONDAY.replace(hour=12), False),  # the end is not inside
        (MONDAY.replace(hour=13), False),
        (MONDAY.replace(hour=17, minute=59), True),
        (MONDAY + timedelta(days=5, hours=9), True),  # Saturday
        (MONDAY + timedelta(days=6, hours=9), False),  # Sunday
    ],
)
def test_default_hours_are_mornings_and_afternoons_monday_to_saturday(moment, inside):
    assert within_hours(moment, DEFAULT, MON_TO_SAT) is inside


NIGHT = [["22:00", "02:00"]]


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (MONDAY.replace(hour=23), True),
        (MONDAY.replace(hour=1), False),  # Sunday night's shift is not worked
        (MONDAY + timedelta(days=1, hours=1), True),  # Monday night, past midnight
        (MONDAY + timedelta(days=1, hours=2), False),
        (MONDAY + timedelta(days=5, hours=23), True),  # Saturday night
        (MONDAY + timedelta(days=6, hours=1, minutes=30), True),  # ...into Sunday
        (MONDAY + timedelta(days=6, hours=23), False),  # Sunday night
    ],
)
def test_a_night_shift_runs_past_midnight_and_belongs_to_the_day_it_starts(moment, inside):
    assert within_hours(moment, NIGHT, MON_TO_SAT) is inside


clocks = st.integers(0, 23 * 60 + 59).map(lambda m: f"{m // 60:02d}:{m % 60:02d}")


@given(
    st.lists(st.tuples(clocks, clocks), min_size=1, max_size=3),
    st.sets(st.integers(0, 6)),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1)),
)
def test_hours_agree_with_minute_by_minute_shifts(hours, days, moment):
    """Each range, laid out minute by minute from its start on a working day, covers
    exactly the moments ``within_hours`` admits."""
    moment = moment.replace(second=0, microsecond=0)

    def minutes(clock):
        return int(clock[:2]) * 60 + int(clock[3:])

    covered = False
    for start, end in hours:
        length = (minutes(end) - minutes(start)) % (24 * 60) or 24 * 60
        for days_back in (0, 1):
            first = (moment - timedelta(days=days_back)).replace(hour=0, minute=0)
            shift_start = first + timedelta(minutes=minutes(start))
            if first.weekday() in days and shift_start <= moment < shift_start + timedelta(
                minutes=length
            ):
                covered = True
    assert within_hours(moment, [list(r) for r in hours], sorted(days)) is covered
