"""Hand-written DST edge cases for next_occurrence, next_weekly and occurrences."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.local_time import describe_occurrence, resolve_local, start_of_local_day
from scheduler.planning import (
    EVERY_DAY,
    WEEKDAYS,
    Slot,
    Weekday,
    next_occurrence,
    next_slot,
    next_weekly,
    occurrences,
)
from tests.scheduler.helpers import offset_hours, utc, wall

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
CASABLANCA = ZoneInfo("Africa/Casablanca")


def _daily(zone: ZoneInfo, local_time: time, first: date, days: int) -> list[datetime]:
    """Every daily occurrence from the start of local date `first`, for `days` days."""
    return occurrences(start_of_local_day(first, zone), local_time, EVERY_DAY, zone, days)


def _local_dates(moments: list[datetime], zone: ZoneInfo) -> list[date]:
    return [moment.astimezone(zone).date() for moment in moments]


def _consecutive(first: date, days: int) -> list[date]:
    return [first + timedelta(days=n) for n in range(days)]


@pytest.mark.parametrize("local_time", [time(1, 0), time(1, 30)])
def test_london_spring_forward_fires_once_at_the_end_of_the_gap(local_time: time) -> None:
    moments = _daily(LONDON, local_time, date(2027, 3, 26), 5)
    assert _local_dates(moments, LONDON) == _consecutive(date(2027, 3, 26), 5)
    described = [describe_occurrence(moment, LONDON)[0] for moment in moments]
    clock = local_time.strftime("%H:%M")
    assert described == [
        f"Fri 26 Mar 2027 {clock} GMT",
        f"Sat 27 Mar 2027 {clock} GMT",
        "Sun 28 Mar 2027 02:00 BST",  # neither 01:00 nor 01:30 exists that night
        f"Mon 29 Mar 2027 {clock} BST",
        f"Tue 30 Mar 2027 {clock} BST",
    ]
    # The night of the change is an hour shorter: never "previous + 24 hours".
    assert moments[2] == utc(2027, 3, 28, 1, 0)


@pytest.mark.parametrize("local_time", [time(1, 0), time(1, 30)])
def test_london_fall_back_fires_once_at_the_first_occurrence(local_time: time) -> None:
    moments = _daily(LONDON, local_time, date(2027, 10, 30), 3)
    assert _local_dates(moments, LONDON) == _consecutive(date(2027, 10, 30), 3)
    clock = local_time.strftime("%H:%M")
    assert [describe_occurrence(moment, LONDON)[0] for moment in moments] == [
        f"Sat 30 Oct 2027 {clock} BST",
        f"Sun 31 Oct 2027 {clock} BST",  # first of the two; not again at {clock} GMT
        f"Mon 1 Nov 2027 {clock} GMT",
    ]
    # Asked from between the two readings of that time, the next one is the following day.
    second_reading = datetime.combine(date(2027, 10, 31), local_time, tzinfo=LONDON)
    second_reading = second_reading.replace(fold=1).astimezone(UTC)
    assert next_occurrence(moments[1], local_time, EVERY_DAY, LONDON) == moments[2]
    assert next_occurrence(second_reading, local_time, EVERY_DAY, LONDON) == moments[2]


def test_new_york_0230_on_both_change_days() -> None:
    spring = _daily(NEW_YORK, time(2, 30), date(2027, 3, 13), 3)
    assert [wall(moment, NEW_YORK).time() for moment in spring] == [
        time(2, 30),
        time(3, 0),  # 02:30 does not exist on 2027-03-14
        time(2, 30),
    ]
    autumn = _daily(NEW_YORK, time(1, 30), date(2027, 11, 6), 3)
    assert [offset_hours(moment, NEW_YORK) for moment in autumn] == [-4, -4, -5]
    assert autumn[1] == utc(2027, 11, 7, 5, 30)


def test_lord_howe_half_hour_shifts() -> None:
    zone = ZoneInfo("Australia/Lord_Howe")
    # 2027-10-03: 02:00 +10:30 -> 02:30 +11, so 02:15 becomes 02:30.
    spring = _daily(zone, time(2, 15), date(2027, 10, 2), 3)
    assert [wall(moment, zone).time() for moment in spring] == [
        time(2, 15),
        time(2, 30),
        time(2, 15),
    ]
    assert spring[1] == utc(2027, 10, 2, 15, 30)
    # 2027-04-04: 02:00 +11 -> 01:30 +10:30, so 01:45 happens twice and fires at the first.
    autumn = _daily(zone, time(1, 45), date(2027, 4, 3), 3)
    assert [offset_hours(moment, zone) for moment in autumn] == [11, 11, 10.5]
    assert _local_dates(autumn, zone) == _consecutive(date(2027, 4, 3), 3)


def test_chatham_quarter_hour_zone() -> None:
    zone = ZoneInfo("Pacific/Chatham")
    # 2027-09-26: 02:45 +12:45 -> 03:45 +13:45.
    spring = _daily(zone, time(3, 0), date(2027, 9, 25), 3)
    assert [describe_occurrence(moment, zone)[0] for moment in spring] == [
        "Sat 25 Sep 2027 03:00 +1245",
        "Sun 26 Sep 2027 03:45 +1345",
        "Mon 27 Sep 2027 03:00 +1345",
    ]
    # 2027-04-04: 03:45 +13:45 -> 02:45 +12:45; 03:00 fires once, at +13:45.
    autumn = _daily(zone, time(3, 0), date(2027, 4, 3), 3)
    assert [describe_occurrence(moment, zone)[0] for moment in autumn] == [
        "Sat 3 Apr 2027 03:00 +1345",
        "Sun 4 Apr 2027 03:00 +1345",
        "Mon 5 Apr 2027 03:00 +1245",
    ]


def test_casablanca_ramadan_2026() -> None:
    # Morocco leaves +01 for +00 during Ramadan: 2026-02-15 03:00 -> 02:00, and back on
    # 2026-03-22 02:00 -> 03:00 (the same in tzdata 2025b and 2026f).
    autumn = _daily(CASABLANCA, time(2, 30), date(2026, 2, 14), 3)
    assert [describe_occurrence(moment, CASABLANCA)[1] for moment in autumn] == [
        "2026-02-14 01:30 UTC",
        "2026-02-15 01:30 UTC",  # 02:30 +01, the first of two 02:30s
        "2026-02-16 02:30 UTC",
    ]
    spring = _daily(CASABLANCA, time(2, 30), date(2026, 3, 21), 3)
    assert [wall(moment, CASABLANCA).time() for moment in spring] == [
        time(2, 30),
        time(3, 0),  # 02:30 does not exist on 2026-03-22
        time(2, 30),
    ]


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants (to the hour) where the zone's offset changes, found by stepping hourly."""
    found = []
    moment = start
    while moment < end:
        following = moment + timedelta(hours=1)  # UTC arithmetic
        if moment.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            found.append(following)
        moment = following
    return found


def test_casablanca_around_ramadan_2027_follows_the_installed_data() -> None:
    # Future Moroccan rules change between tzdata releases (2025b predicts a Ramadan shift
    # in Feb-Mar 2027; 2026f ends the +01 offset in 2026), so this test reads the data
    # instead of hard-coding dates: every local day gets exactly one 02:30 check-in, at 02:30
    # when it exists (the first one if it happens twice) and at the end of the gap otherwise.
    first_day, days = date(2027, 1, 25), 60
    moments = _daily(CASABLANCA, time(2, 30), first_day, days)
    assert _local_dates(moments, CASABLANCA) == _consecutive(first_day, days)
    for moment in moments:
        local_day = moment.astimezone(CASABLANCA).date()
        target = datetime.combine(local_day, time(2, 30))
        readings = [
            target.replace(tzinfo=CASABLANCA, fold=fold).astimezone(UTC) for fold in (0, 1)
        ]
        exact = [reading for reading in readings if wall(reading, CASABLANCA) == target]
        if exact:
            assert moment == min(exact)
        else:
            assert wall(moment, CASABLANCA).time() == time(3, 0)
            assert moment in _transitions(CASABLANCA, moment - timedelta(hours=2), moment)


def test_kolkata_has_no_surprises() -> None:
    zone = ZoneInfo("Asia/Kolkata")
    moments = _daily(zone, time(1, 30), date(2027, 1, 1), 365)
    assert _local_dates(moments, zone) == _consecutive(date(2027, 1, 1), 365)
    assert {wall(moment, zone).time() for moment in moments} == {time(1, 30)}
    assert {moment.astimezone(UTC).time() for moment in moments} == {time(20, 0)}


def test_apia_skipped_day_gets_no_check_in_and_the_next_day_gets_one() -> None:
    zone = ZoneInfo("Pacific/Apia")
    moments = _daily(zone, time(10, 0), date(2011, 12, 28), 4)
    assert _local_dates(moments, zone) == [
        date(2011, 12, 28),
        date(2011, 12, 29),
        date(2011, 12, 31),  # 2011-12-30 never happened in Samoa
        date(2012, 1, 1),
    ]


def test_next_occurrence_is_strictly_after_now() -> None:
    at = resolve_local(date(2027, 6, 1), time(9, 0), LONDON)
    assert next_occurrence(at, time(9, 0), EVERY_DAY, LONDON) == resolve_local(
        date(2027, 6, 2), time(9, 0), LONDON
    )
    just_before = at - timedelta(seconds=1)
    assert next_occurrence(just_before, time(9, 0), EVERY_DAY, LONDON) == at


def test_next_occurrence_skips_unchosen_days() -> None:
    # 2027-06-04 is a Friday; weekdays only, so Saturday and Sunday are skipped.
    friday_evening = resolve_local(date(2027, 6, 4), time(20, 0), LONDON)
    moment = next_occurrence(friday_evening, time(9, 0), WEEKDAYS, LONDON)
    assert moment == resolve_local(date(2027, 6, 7), time(9, 0), LONDON)
    mon_wed = Weekday.MON | Weekday.WED
    assert next_occurrence(moment, time(9, 0), mon_wed, LONDON) == resolve_local(
        date(2027, 6, 9), time(9, 0), LONDON
    )


def test_next_occurrence_uses_the_local_date_not_the_utc_date() -> None:
    # 23:30 UTC on Sunday 2027-06-06 is already Monday 09:30 in Sydney (+10).
    sydney = ZoneInfo("Australia/Sydney")
    now = utc(2027, 6, 6, 23, 30)
    monday = int(Weekday.MON)
    # Monday 10:00 is still ahead today, even though it is Sunday in UTC.
    assert next_occurrence(now, time(10, 0), monday, sydney) == utc(2027, 6, 7, 0, 0)
    # Monday 08:00 has passed locally, so it is next week's Monday.
    assert next_occurrence(now, time(8, 0), monday, sydney) == utc(2027, 6, 13, 22, 0)


def test_next_weekly() -> None:
    # Sunday (6) at 18:00 in London, across the fall-back weekend.
    saturday = utc(2027, 10, 30, 12, 0)
    first = next_weekly(saturday, 6, time(18, 0), LONDON)
    assert first == utc(2027, 10, 31, 18, 0)
    assert next_weekly(first, 6, time(18, 0), LONDON) == utc(2027, 11, 7, 18, 0)
    with pytest.raises(ValueError, match="weekday"):
        next_weekly(saturday, 7, time(18, 0), LONDON)


def test_occurrences_includes_the_start_and_counts() -> None:
    start = resolve_local(date(2027, 3, 25), time(1, 30), LONDON)
    moments = occurrences(start, time(1, 30), EVERY_DAY, LONDON, 10)
    assert moments[0] == start
    assert len(moments) == 10
    assert all(earlier < later for earlier, later in itertools.pairwise(moments))
    assert occurrences(start, time(1, 30), EVERY_DAY, LONDON, 0) == []
    with pytest.raises(ValueError, match="count"):
        occurrences(start, time(1, 30), EVERY_DAY, LONDON, -1)


@pytest.mark.parametrize("mask", [0, 128, -1])
def test_invalid_masks_are_refused(mask: int) -> None:
    with pytest.raises(ValueError, match="mask"):
        next_occurrence(utc(2027, 1, 1), time(9, 0), mask, LONDON)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        next_occurrence(datetime(2027, 1, 1), time(9, 0), EVERY_DAY, LONDON)  # noqa: DTZ001


def test_now_in_another_zone_is_accepted_and_result_is_utc() -> None:
    now = datetime(2027, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    moment = next_occurrence(now, time(9, 0), EVERY_DAY, LONDON)
    assert moment.tzinfo is UTC
    assert moment == utc(2027, 6, 1, 8, 0)


def test_next_slot_names_the_local_day() -> None:
    slot = next_slot(utc(2027, 3, 27, 12, 0), time(1, 30), EVERY_DAY, LONDON)
    assert slot == Slot(date(2027, 3, 28), utc(2027, 3, 28, 1, 0))
    assert slot.at == next_occurrence(utc(2027, 3, 27, 12, 0), time(1, 30), EVERY_DAY, LONDON)
    apia = ZoneInfo("Pacific/Apia")
    skipped = next_slot(utc(2011, 12, 29, 21, 0), time(10, 0), EVERY_DAY, apia)
    assert skipped.local_date == date(2011, 12, 31)
