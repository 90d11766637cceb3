"""resolve_local: gap times move forward to the end of the gap, overlap times mean the first."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from scheduler.local_time import (
    as_utc,
    describe_occurrence,
    local_date_exists,
    resolve_local,
    start_of_local_day,
)
from tests.scheduler.helpers import utc

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("zone", "local_date", "local_time", "expected"),
    [
        # Europe/London spring forward, 2027-03-28: 01:00 GMT -> 02:00 BST at 01:00 UTC.
        ("Europe/London", date(2027, 3, 28), time(0, 59), utc(2027, 3, 28, 0, 59)),
        ("Europe/London", date(2027, 3, 28), time(1, 0), utc(2027, 3, 28, 1, 0)),
        ("Europe/London", date(2027, 3, 28), time(1, 30), utc(2027, 3, 28, 1, 0)),
        ("Europe/London", date(2027, 3, 28), time(1, 59), utc(2027, 3, 28, 1, 0)),
        ("Europe/London", date(2027, 3, 28), time(2, 0), utc(2027, 3, 28, 1, 0)),
        ("Europe/London", date(2027, 3, 28), time(2, 1), utc(2027, 3, 28, 1, 1)),
        # Europe/London fall back, 2027-10-31: 02:00 BST -> 01:00 GMT; 01:xx happens twice.
        ("Europe/London", date(2027, 10, 31), time(0, 59), utc(2027, 10, 30, 23, 59)),
        ("Europe/London", date(2027, 10, 31), time(1, 0), utc(2027, 10, 31, 0, 0)),
        ("Europe/London", date(2027, 10, 31), time(1, 30), utc(2027, 10, 31, 0, 30)),
        ("Europe/London", date(2027, 10, 31), time(2, 0), utc(2027, 10, 31, 2, 0)),
        # America/New_York: 2027-03-14 02:00 EST -> 03:00 EDT; 2027-11-07 02:00 EDT -> 01:00.
        ("America/New_York", date(2027, 3, 14), time(2, 30), utc(2027, 3, 14, 7, 0)),
        ("America/New_York", date(2027, 11, 7), time(1, 30), utc(2027, 11, 7, 5, 30)),
        ("America/New_York", date(2027, 11, 7), time(2, 30), utc(2027, 11, 7, 7, 30)),
        # Australia/Lord_Howe moves by 30 minutes: 2027-10-03 02:00 -> 02:30 (+10:30 -> +11),
        # 2027-04-04 02:00 -> 01:30 (+11 -> +10:30).
        ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 15), utc(2027, 10, 2, 15, 30)),
        ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 30), utc(2027, 10, 2, 15, 30)),
        ("Australia/Lord_Howe", date(2027, 4, 4), time(1, 45), utc(2027, 4, 3, 14, 45)),
        # Pacific/Chatham, +12:45 / +13:45: 2027-09-26 02:45 -> 03:45; 2027-04-04 03:45 -> 02:45.
        ("Pacific/Chatham", date(2027, 9, 26), time(3, 0), utc(2027, 9, 25, 14, 0)),
        ("Pacific/Chatham", date(2027, 4, 4), time(3, 0), utc(2027, 4, 3, 13, 15)),
        # Asia/Kolkata, +05:30 all year.
        ("Asia/Kolkata", date(2027, 3, 28), time(1, 30), utc(2027, 3, 27, 20, 0)),
        # Pacific/Apia skipped the whole of 2011-12-30: it resolves to the next midnight.
        ("Pacific/Apia", date(2011, 12, 30), time(10, 0), utc(2011, 12, 30, 10, 0)),
    ],
)
def test_resolve_local(zone: str, local_date: date, local_time: time, expected: datetime) -> None:
    moment = resolve_local(local_date, local_time, ZoneInfo(zone))
    assert moment == expected
    assert moment.tzinfo is UTC


def test_resolve_local_ignores_fold_and_tzinfo_on_the_time() -> None:
    day = date(2027, 10, 31)
    first = resolve_local(day, time(1, 30), LONDON)
    assert resolve_local(day, time(1, 30, fold=1), LONDON) == first
    assert resolve_local(day, time(1, 30, tzinfo=UTC), LONDON) == first


def test_plain_zoneinfo_would_extrapolate_but_n1_moves_to_the_end_of_the_gap() -> None:
    # Plain zoneinfo would read 01:30 on the spring-forward night as 02:30 BST; N1 does not.
    zoneinfo_reading = datetime(2027, 3, 28, 1, 30, tzinfo=LONDON).astimezone(UTC)
    assert zoneinfo_reading == utc(2027, 3, 28, 1, 30)
    assert resolve_local(date(2027, 3, 28), time(1, 30), LONDON) == utc(2027, 3, 28, 1, 0)


def test_start_of_local_day_and_skipped_dates() -> None:
    assert start_of_local_day(date(2027, 3, 28), LONDON) == utc(2027, 3, 28, 0, 0)
    # America/Havana springs forward at midnight: the day starts at 01:00 CDT.
    havana = ZoneInfo("America/Havana")
    assert start_of_local_day(date(2026, 3, 8), havana) == utc(2026, 3, 8, 5, 0)
    apia = ZoneInfo("Pacific/Apia")
    assert not local_date_exists(date(2011, 12, 30), apia)
    assert local_date_exists(date(2011, 12, 29), apia)
    assert local_date_exists(date(2011, 12, 31), apia)
    assert local_date_exists(date(2026, 3, 8), havana)


def test_as_utc_refuses_naive_and_converts_aware() -> None:
    with pytest.raises(ValueError, match="naive"):
        as_utc(datetime(2027, 1, 1, 12, 0))  # noqa: DTZ001 - the point of the test
    plus_two = timezone(timedelta(hours=2))
    assert as_utc(datetime(2027, 1, 1, 12, 0, tzinfo=plus_two)) == utc(2027, 1, 1, 10, 0)


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        (
            utc(2027, 3, 25, 1, 30),
            "Europe/London",
            ("Thu 25 Mar 2027 01:30 GMT", "2027-03-25 01:30 UTC"),
        ),
        (
            utc(2027, 3, 28, 1, 0),
            "Europe/London",
            ("Sun 28 Mar 2027 02:00 BST", "2027-03-28 01:00 UTC"),
        ),
        (
            utc(2027, 4, 3, 13, 15),
            "Pacific/Chatham",
            ("Sun 4 Apr 2027 03:00 +1345", "2027-04-03 13:15 UTC"),
        ),
        (
            utc(2027, 1, 5, 2, 30),
            "Asia/Kolkata",
            ("Tue 5 Jan 2027 08:00 IST", "2027-01-05 02:30 UTC"),
        ),
    ],
)
def test_describe_occurrence(moment: datetime, zone: str, expected: tuple[str, str]) -> None:
    assert describe_occurrence(moment, ZoneInfo(zone)) == expected


def test_describe_occurrence_shows_seconds_only_when_present() -> None:
    local, universal = describe_occurrence(utc(2027, 1, 5, 2, 30) + timedelta(seconds=7), LONDON)
    assert local == "Tue 5 Jan 2027 02:30:07 GMT"
    assert universal == "2027-01-05 02:30:07 UTC"
