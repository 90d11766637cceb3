"""Quiet hours are local, may wrap midnight, and follow the same gap and overlap rules."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler.planning import (
    end_of_quiet_hours,
    in_quiet_hours,
    outside_quiet_hours,
    quiet_window_at,
)
from tests.scheduler.helpers import utc

LONDON = ZoneInfo("Europe/London")
NIGHT = (time(21, 0), time(8, 0))


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (utc(2027, 1, 10, 20, 59), False),
        (utc(2027, 1, 10, 21, 0), True),  # the start is quiet
        (utc(2027, 1, 10, 23, 59), True),
        (utc(2027, 1, 11, 0, 0), True),  # across midnight
        (utc(2027, 1, 11, 7, 59), True),
        (utc(2027, 1, 11, 8, 0), False),  # the end is not
        (utc(2027, 1, 11, 12, 0), False),
        # In summer the window is in BST: 21:00 BST is 20:00 UTC.
        (utc(2027, 7, 10, 20, 0), True),
        (utc(2027, 7, 10, 19, 59), False),
        (utc(2027, 7, 11, 6, 59), True),
        (utc(2027, 7, 11, 7, 0), False),
    ],
)
def test_overnight_window_in_london(moment: datetime, quiet: bool) -> None:
    assert in_quiet_hours(moment, *NIGHT, LONDON) is quiet
    expected = moment if not quiet else end_of_quiet_hours(moment, *NIGHT, LONDON)
    assert outside_quiet_hours(moment, *NIGHT, LONDON) == expected


def test_end_of_quiet_hours_inside_and_outside_the_window() -> None:
    # Inside: the end of this window; before midnight and after midnight alike.
    assert end_of_quiet_hours(utc(2027, 1, 10, 22, 0), *NIGHT, LONDON) == utc(2027, 1, 11, 8, 0)
    assert end_of_quiet_hours(utc(2027, 1, 11, 3, 0), *NIGHT, LONDON) == utc(2027, 1, 11, 8, 0)
    # Outside: the end of the next window.
    assert end_of_quiet_hours(utc(2027, 1, 11, 12, 0), *NIGHT, LONDON) == utc(2027, 1, 12, 8, 0)
    assert end_of_quiet_hours(utc(2027, 1, 11, 8, 0), *NIGHT, LONDON) == utc(2027, 1, 12, 8, 0)


def test_daytime_window_that_does_not_wrap() -> None:
    start, end = time(13, 0), time(14, 30)
    assert not in_quiet_hours(utc(2027, 1, 11, 12, 59), start, end, LONDON)
    assert in_quiet_hours(utc(2027, 1, 11, 13, 0), start, end, LONDON)
    assert not in_quiet_hours(utc(2027, 1, 11, 14, 30), start, end, LONDON)
    assert outside_quiet_hours(utc(2027, 1, 11, 13, 10), start, end, LONDON) == utc(
        2027, 1, 11, 14, 30
    )


@pytest.mark.parametrize(
    ("start", "end"), [(time(9, 0), time(9, 0)), (None, time(8, 0)), (time(21, 0), None)]
)
def test_no_quiet_hours(start: time | None, end: time | None) -> None:
    moment = utc(2027, 1, 11, 9, 0)
    assert not in_quiet_hours(moment, start, end, LONDON)
    assert quiet_window_at(moment, start, end, LONDON) is None
    assert end_of_quiet_hours(moment, start, end, LONDON) == moment
    assert outside_quiet_hours(moment, start, end, LONDON) == moment


def test_spring_forward_night_is_an_hour_shorter() -> None:
    # 2027-03-27/28: 21:00 GMT (21:00 UTC) to 08:00 BST (07:00 UTC).
    window = quiet_window_at(utc(2027, 3, 28, 0, 30), *NIGHT, LONDON)
    assert window is not None
    assert (window.start, window.end) == (utc(2027, 3, 27, 21, 0), utc(2027, 3, 28, 7, 0))
    assert outside_quiet_hours(utc(2027, 3, 28, 0, 30), *NIGHT, LONDON) == utc(2027, 3, 28, 7, 0)


def test_fall_back_night_is_an_hour_longer_and_the_repeated_hour_is_quiet() -> None:
    # 2027-10-30/31: 21:00 BST (20:00 UTC) to 08:00 GMT (08:00 UTC).
    for moment in (utc(2027, 10, 31, 0, 30), utc(2027, 10, 31, 1, 30)):  # 01:30 BST, 01:30 GMT
        assert in_quiet_hours(moment, *NIGHT, LONDON)
        assert end_of_quiet_hours(moment, *NIGHT, LONDON) == utc(2027, 10, 31, 8, 0)


def test_end_in_a_gap_moves_to_the_end_of_the_gap() -> None:
    # Quiet until 01:30, which does not exist on 2027-03-28: quiet ends at 02:00 BST.
    start, end = time(22, 0), time(1, 30)
    assert end_of_quiet_hours(utc(2027, 3, 27, 23, 0), start, end, LONDON) == utc(2027, 3, 28, 1)
    assert not in_quiet_hours(utc(2027, 3, 28, 1, 0), start, end, LONDON)
    assert in_quiet_hours(utc(2027, 3, 28, 0, 59), start, end, LONDON)


def test_start_in_a_gap_starts_at_the_end_of_the_gap() -> None:
    start, end = time(1, 30), time(6, 0)
    assert not in_quiet_hours(utc(2027, 3, 28, 0, 59), start, end, LONDON)  # 00:59 GMT
    assert in_quiet_hours(utc(2027, 3, 28, 1, 0), start, end, LONDON)  # 02:00 BST


def test_end_in_an_overlap_is_its_first_occurrence() -> None:
    # Quiet until 01:30 on 2027-10-31 ends at 01:30 BST (00:30 UTC). The window is a span of
    # instants, so the repeated 01:00-01:30 GMT that follows is not quiet again.
    start, end = time(22, 0), time(1, 30)
    assert end_of_quiet_hours(utc(2027, 10, 30, 23, 0), start, end, LONDON) == utc(
        2027, 10, 31, 0, 30
    )
    assert not in_quiet_hours(utc(2027, 10, 31, 1, 10), start, end, LONDON)  # 01:10 GMT


def test_start_in_an_overlap_covers_the_repeated_hour() -> None:
    # Quiet from 01:15 on 2027-10-31 starts at 01:15 BST and stays quiet through 01:15 GMT.
    start, end = time(1, 15), time(6, 0)
    assert not in_quiet_hours(utc(2027, 10, 31, 0, 14), start, end, LONDON)  # 01:14 BST
    assert in_quiet_hours(utc(2027, 10, 31, 0, 15), start, end, LONDON)  # 01:15 BST
    assert in_quiet_hours(utc(2027, 10, 31, 1, 10), start, end, LONDON)  # 01:10 GMT
    assert end_of_quiet_hours(utc(2027, 10, 31, 1, 10), start, end, LONDON) == utc(
        2027, 10, 31, 6, 0
    )


def test_quiet_hours_continue_when_a_gap_joins_two_windows() -> None:
    # Quiet 02:00 to 01:30 leaves only 01:30-02:00 free, which does not exist on the
    # spring-forward night, so quiet hours run on into the next night.
    start, end = time(2, 0), time(1, 30)
    assert end_of_quiet_hours(utc(2027, 3, 27, 12, 0), start, end, LONDON) == utc(
        2027, 3, 29, 0, 30
    )


def test_quarter_hour_zone_across_its_change() -> None:
    chatham = ZoneInfo("Pacific/Chatham")
    # 2027-09-26: 02:45 +12:45 -> 03:45 +13:45; quiet 22:00 to 03:00 ends at 03:45 +13:45.
    start, end = time(22, 0), time(3, 0)
    assert end_of_quiet_hours(utc(2027, 9, 25, 12, 0), start, end, chatham) == utc(
        2027, 9, 25, 14, 0
    )


def test_lord_howe_window_across_its_half_hour_change() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    # 2027-10-03: 02:00 +10:30 -> 02:30 +11; quiet 21:00 to 07:00 is 9.5 hours that night.
    window = quiet_window_at(utc(2027, 10, 2, 14, 0), time(21, 0), time(7, 0), lord_howe)
    assert window is not None
    assert (window.start, window.end) == (utc(2027, 10, 2, 10, 30), utc(2027, 10, 2, 20, 0))
