"""The gate's rules as pure functions: ID-card numbers, masking, working hours, and what a
check of a pass answers. The gate tablet applies the same rules (static/src/jobs/gate.js)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

# GB 11643-1999: the weights of the first 17 digits, and the check character of each
# remainder of their weighted sum modulo 11.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


def check_character(first17: str) -> str:
    """The 18th character of an ID-card number from its first 17 digits."""
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def valid_id_number(number: str) -> bool:
    """Whether ``number`` is a well-formed 18-character resident ID number: 17 digits, a
    real birth date, and the check character GB 11643 gives for them."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17].upper() == check_character(number[:17])


def masked_id(number: str) -> str:
    """The ID number as everyone but the pass's office page shows it: 110101********1234."""
    return f"{number[:6]}{'*' * 8}{number[14:]}"


def parse_clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def within_hours(moment: datetime, hours: list, days: list) -> bool:
    """Whether local time ``moment`` falls in one of the working ``hours`` on working ``days``.

    A range whose end is not after its start runs past midnight and belongs to the day it
    starts on: 22:00–02:00 on a Saturday covers Sunday 01:00, not Saturday 01:00.
    """
    clock = moment.time().replace(second=0, microsecond=0)
    for start_text, end_text in hours:
        start, end = parse_clock(start_text), parse_clock(end_text)
        if start < end:
            if moment.weekday() in days and start <= clock < end:
                return True
            continue
        if moment.weekday() in days and clock >= start:
            return True
        if (moment - timedelta(days=1)).weekday() in days and clock < end:
            return True
    return False
