"""parse_time_of_day: the ways people type a time, and what it refuses."""

from __future__ import annotations

from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.time_input import format_time_of_day, parse_time_of_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8, 0)),
        ("8:00", time(8, 0)),
        ("8", time(8, 0)),
        ("0800", time(8, 0)),
        ("800", time(8, 0)),
        ("1930", time(19, 30)),
        ("7pm", time(19, 0)),
        ("7 pm", time(19, 0)),
        ("7PM", time(19, 0)),
        ("7.30pm", time(19, 30)),
        ("7:30 PM", time(19, 30)),
        ("7:30 p.m.", time(19, 30)),
        ("7 a.m.", time(7, 0)),
        ("7am", time(7, 0)),
        ("11:45am", time(11, 45)),
        ("19.30", time(19, 30)),
        ("19:30", time(19, 30)),
        ("7h30", time(7, 30)),
        ("00:00", time(0, 0)),
        ("0", time(0, 0)),
        ("23:59", time(23, 59)),
        ("12am", time(0, 0)),
        ("12:30am", time(0, 30)),
        ("12pm", time(12, 0)),
        ("12:15 pm", time(12, 15)),
        ("noon", time(12, 0)),
        ("Noon", time(12, 0)),
        ("midday", time(12, 0)),
        ("midnight", time(0, 0)),
        ("  08:00  ", time(8, 0)),
        ("\uff10\uff18\uff1a\uff10\uff10", time(8, 0)),  # full-width "08:00"
    ],
)
def test_accepted(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "25:00",
        "24:00",
        "2400",
        "7.75pm",
        "8:60",
        "8:5",
        "13pm",
        "0am",
        "0pm",
        "-1",
        "8:00:00",
        "08:00 tomorrow",
        "about 8",
        "eight",
        "7m",
        "7 xm",
        "12345",
        "\u0668",  # Arabic-Indic digit eight: int() would take it, we do not
        "\U0001f550",  # clock face emoji
        "8\U0001f550",
        "8" * 10_000,
        "noon" * 5_000,
        "7:30 pm" + " " * 100_000,
        "\x00",
    ],
)
def test_refused(text: str) -> None:
    assert parse_time_of_day(text) is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_raises(text: str) -> None:
    result = parse_time_of_day(text)
    assert result is None or isinstance(result, time)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59))
def test_formatted_times_read_back(hour: int, minute: int) -> None:
    value = time(hour, minute)
    assert parse_time_of_day(format_time_of_day(value)) == value
