"""The weekday bitmask: Mon=1 ... Sun=64, parsing and formatting."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.weekdays import (
    EVERY_DAY,
    WEEKDAYS,
    WEEKENDS,
    Weekday,
    contains,
    day_bit,
    format_weekdays,
    parse_weekdays,
    validate_mask,
)


def test_bits_match_the_database_encoding() -> None:
    assert [int(day) for day in Weekday] == [1, 2, 4, 8, 16, 32, 64]
    assert EVERY_DAY == 127
    assert WEEKDAYS == Weekday.MON | Weekday.TUE | Weekday.WED | Weekday.THU | Weekday.FRI == 31
    assert WEEKENDS == Weekday.SAT | Weekday.SUN == 96


def test_contains_uses_the_date_weekday() -> None:
    monday = date(2027, 3, 22)
    assert day_bit(monday) == Weekday.MON
    assert contains(WEEKDAYS, monday)
    assert not contains(WEEKENDS, monday)
    assert contains(int(Weekday.SUN), date(2027, 3, 28))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("daily", EVERY_DAY),
        ("Every day", EVERY_DAY),
        ("weekdays", WEEKDAYS),
        ("weekends", WEEKENDS),
        ("mon,wed,fri", Weekday.MON | Weekday.WED | Weekday.FRI),
        ("Mon, Wed, Fri", Weekday.MON | Weekday.WED | Weekday.FRI),
        ("monday wednesday", Weekday.MON | Weekday.WED),
        ("Tuesday and Thursday", Weekday.TUE | Weekday.THU),
        ("tues/thurs", Weekday.TUE | Weekday.THU),
        ("mon-fri", WEEKDAYS),
        ("mon - fri", WEEKDAYS),
        ("monday to friday", WEEKDAYS),
        ("fri-mon", Weekday.FRI | Weekday.SAT | Weekday.SUN | Weekday.MON),
        ("weekdays, sat", WEEKDAYS | Weekday.SAT),
        ("sun", Weekday.SUN),
    ],
)
def test_parse(text: str, expected: int) -> None:
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize(
    "text", ["", "never", "mon,blursday", "mon-", "-fri", "mon--fri", "m", "x" * 1000, "0"]
)
def test_parse_refuses(text: str) -> None:
    assert parse_weekdays(text) is None


@pytest.mark.parametrize(
    ("mask", "text"),
    [(EVERY_DAY, "daily"), (WEEKDAYS, "weekdays"), (WEEKENDS, "weekends"), (21, "mon,wed,fri")],
)
def test_format(mask: int, text: str) -> None:
    assert format_weekdays(mask) == text


@given(st.integers(1, 127))
def test_format_reads_back(mask: int) -> None:
    assert parse_weekdays(format_weekdays(mask)) == mask


@pytest.mark.parametrize("mask", [0, 128, -3])
def test_invalid_masks(mask: int) -> None:
    with pytest.raises(ValueError, match="mask"):
        validate_mask(mask)
    with pytest.raises(ValueError, match="mask"):
        format_weekdays(mask)
