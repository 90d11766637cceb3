"""Property tests: a year of check-ins in many zones, and quiet hours, against brute force.

For any zone, check-in time (gap and overlap hours drawn often) and set of days, iterating
`next_occurrence` for a year from any start gives exactly one moment per chosen local day and
none on other days, each at the chosen local time or, where that time does not exist that
day, at the first valid minute after it; strictly increasing. The expected moments come from
`first_instant_at_or_after`, which does not use `resolve_local`.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from scheduler.planning import (
    EVERY_DAY,
    end_of_quiet_hours,
    in_quiet_hours,
    next_occurrence,
    occurrences,
    outside_quiet_hours,
)
from scheduler.weekdays import contains
from tests.scheduler.helpers import first_instant_at_or_after, wall

ZONES = [
    "Europe/London",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "Africa/Casablanca",
    "Europe/Berlin",
    "America/Los_Angeles",
    "America/Santiago",
    "Asia/Tehran",
    "Australia/Sydney",
    "Pacific/Auckland",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Europe/Dublin",
    "America/Havana",
    "Asia/Jerusalem",
    "Pacific/Apia",
    "Asia/Gaza",
    "America/Asuncion",
    "Africa/Cairo",
    "Antarctica/Troll",
]

# 2025-01-01 to 2028-01-01 (UTC) as the first moment; each example then runs for a year.
_FIRST = int(datetime(2025, 1, 1, tzinfo=UTC).timestamp())
_LAST = int(datetime(2028, 1, 1, tzinfo=UTC).timestamp())
_YEAR = timedelta(days=366)  # added to a UTC datetime: elapsed time, no wall-clock meaning

starts = st.integers(_FIRST, _LAST).map(lambda seconds: datetime.fromtimestamp(seconds, UTC))
# Clock changes happen between 00:00 and 04:00 local in almost every zone: draw those often.
night_times = st.builds(time, st.integers(0, 3), st.integers(0, 59))
any_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
check_in_times = st.one_of(night_times, night_times, any_times)
masks = st.one_of(st.just(EVERY_DAY), st.integers(1, 127))


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@settings(max_examples=1000, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    local_time=check_in_times,
    mask=masks,
    start=starts,
)
@example("Europe/London", time(1, 30), EVERY_DAY, datetime(2027, 1, 1, tzinfo=UTC))
@example("Europe/London", time(1, 0), EVERY_DAY, datetime(2027, 1, 1, tzinfo=UTC))
@example("America/New_York", time(2, 30), EVERY_DAY, datetime(2027, 1, 1, tzinfo=UTC))
@example("Australia/Lord_Howe", time(1, 45), EVERY_DAY, datetime(2027, 1, 1, tzinfo=UTC))
@example("Australia/Lord_Howe", time(2, 15), EVERY_DAY, datetime(2027, 1, 1, tzinfo=UTC))
@example("Pacific/Chatham", time(3, 0), EVERY_DAY, datetime(2027, 1, 1, tzinfo=UTC))
@example("Africa/Casablanca", time(2, 30), EVERY_DAY, datetime(2026, 1, 1, tzinfo=UTC))
@example("America/Santiago", time(23, 30), EVERY_DAY, datetime(2027, 1, 1, tzinfo=UTC))
@example("America/Havana", time(0, 30), EVERY_DAY, datetime(2026, 1, 1, tzinfo=UTC))
def test_a_year_of_check_ins(zone_name: str, local_time: time, mask: int, start: datetime) -> None:
    _assert_a_year_of_check_ins(ZoneInfo(zone_name), local_time, mask, start)


# Every quarter-hour of the small hours (where clocks change), and late evening (Santiago
# falls back from 24:00 to 23:00, so 23:xx happens twice on a Saturday).
_SWEEP_TIMES = [time(hour, minute) for hour in (0, 1, 2, 3, 23) for minute in (0, 15, 30, 45)]


@pytest.mark.parametrize("zone_name", ZONES)
def test_every_small_hour_for_a_year_in_each_zone(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    for local_time in _SWEEP_TIMES:
        _assert_a_year_of_check_ins(zone, local_time, EVERY_DAY, datetime(2026, 7, 1, tzinfo=UTC))


def _assert_a_year_of_check_ins(
    zone: ZoneInfo, local_time: time, mask: int, start: datetime
) -> None:
    horizon = start + _YEAR

    moments: list[datetime] = []
    moment = start
    while True:
        moment = next_occurrence(moment, local_time, mask, zone)
        if moment > horizon:
            break
        moments.append(moment)

    # Strictly increasing, and in UTC.
    assert all(earlier < later for earlier, later in itertools.pairwise(moments))
    assert all(moment.tzinfo is UTC for moment in moments)

    # Exactly one per chosen local day, none on other days. (No zone here skips a date or has
    # a gap across midnight in these years, so each moment lies on its own local date.)
    local_days = [moment.astimezone(zone).date() for moment in moments]
    assert len(set(local_days)) == len(local_days)
    assert all(contains(mask, day) for day in local_days)
    inner_days = _dates(local_days[0] + timedelta(days=1), local_days[-1] - timedelta(days=1))
    chosen_inner = [day for day in inner_days if contains(mask, day)]
    assert set(chosen_inner) <= set(local_days)

    # Each at the chosen time, or the first valid minute after it; matches brute force.
    expected = [
        reference
        for day in _dates(start.astimezone(zone).date(), horizon.astimezone(zone).date())
        if contains(mask, day)
        for reference in [first_instant_at_or_after(day, local_time, zone)]
        if start < reference <= horizon
    ]
    assert moments == expected
    for moment, day in zip(moments, local_days, strict=True):
        target = datetime.combine(day, local_time)
        reading = wall(moment, zone)
        if reading != target:
            # Only when the time does not exist that day: just before, the clock was earlier.
            assert reading > target
            assert wall(moment - timedelta(minutes=1), zone) < target


@settings(max_examples=200, deadline=None)
@given(zone_name=st.sampled_from(ZONES), local_time=check_in_times, mask=masks, start=starts)
def test_occurrences_agree_with_iterating_next_occurrence(
    zone_name: str, local_time: time, mask: int, start: datetime
) -> None:
    zone = ZoneInfo(zone_name)
    listed = occurrences(start, local_time, mask, zone, 20)
    walked = []
    moment = start - timedelta(microseconds=1)  # UTC arithmetic; occurrences includes start
    for _ in range(20):
        moment = next_occurrence(moment, local_time, mask, zone)
        walked.append(moment)
    assert listed == walked


quiet_times = st.one_of(
    st.builds(time, st.integers(0, 3), st.sampled_from([0, 15, 30, 45])),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 30])),
)
_START_2027 = datetime(2027, 1, 1, tzinfo=UTC)


@cache
def _changes_2027(zone_name: str) -> tuple[datetime, ...]:
    """UTC hours in 2027 at which the zone's offset has just changed (hourly scan)."""
    zone = ZoneInfo(zone_name)
    found = []
    previous = _START_2027.astimezone(zone).utcoffset()
    for hour in range(1, 365 * 24):
        moment = _START_2027 + timedelta(hours=hour)  # UTC arithmetic
        offset = moment.astimezone(zone).utcoffset()
        if offset != previous:
            found.append(moment)
            previous = offset
    return tuple(found)


@st.composite
def zones_and_minutes(draw: st.DrawFn) -> tuple[str, datetime]:
    """A zone and a whole minute in 2027: half the time within 30 hours of a clock change."""
    zone_name = draw(st.sampled_from(ZONES))
    changes = _changes_2027(zone_name)
    near_a_change: bool = draw(st.booleans())
    if changes and near_a_change:
        change = draw(st.sampled_from(changes))
        return zone_name, change + timedelta(minutes=draw(st.integers(-30 * 60, 30 * 60)))
    minute = draw(st.integers(0, 365 * 24 * 60 - 1))
    return zone_name, _START_2027 + timedelta(minutes=minute)


def _wall_clock_quiet(moment: datetime, start: time, end: time, zone: ZoneInfo) -> bool:
    """The plain wall-clock reading of quiet hours, for moments whose reading is unambiguous."""
    reading = moment.astimezone(zone).time().replace(tzinfo=None, fold=0)
    if start <= end:
        return start <= reading < end
    return reading >= start or reading < end


def _ambiguous(moment: datetime, zone: ZoneInfo) -> bool:
    reading = wall(moment, zone)
    instants = {reading.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}
    return len(instants) > 1


@settings(max_examples=500, deadline=None)
@given(where=zones_and_minutes(), start=quiet_times, end=quiet_times)
@example(("Europe/London", datetime(2027, 3, 27, 23, tzinfo=UTC)), time(22, 0), time(1, 30))
@example(("Europe/London", datetime(2027, 10, 31, 0, tzinfo=UTC)), time(1, 15), time(6, 0))
@example(("Pacific/Chatham", datetime(2027, 4, 3, 12, tzinfo=UTC)), time(3, 0), time(3, 30))
def test_quiet_hours_end_at_the_first_quiet_free_minute(
    where: tuple[str, datetime], start: time, end: time
) -> None:
    zone_name, moment = where
    zone = ZoneInfo(zone_name)
    free = outside_quiet_hours(moment, start, end, zone)
    assert free >= moment
    assert not in_quiet_hours(free, start, end, zone)
    quiet = in_quiet_hours(moment, start, end, zone)
    assert (free == moment) is (not quiet) or start == end
    if quiet:
        assert free == end_of_quiet_hours(moment, start, end, zone)
        # Every minute from `moment` up to `free` is quiet: `free` is the first way out.
        probe = moment
        while probe < free:
            assert in_quiet_hours(probe, start, end, zone)
            probe += timedelta(minutes=1)  # UTC arithmetic: one elapsed minute
    if start != end and not _ambiguous(moment, zone):
        assert quiet is _wall_clock_quiet(moment, start, end, zone)
