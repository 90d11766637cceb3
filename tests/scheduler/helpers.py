"""Shared helpers for the scheduler tests: readable UTC moments and an independent oracle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC datetime, short to write in tables."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of `moment` in `zone`."""
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def offset_hours(moment: datetime, zone: ZoneInfo) -> float:
    """The zone's UTC offset at `moment`, in hours (e.g. 13.75 for Chatham summer time)."""
    offset = moment.astimezone(zone).utcoffset()
    assert offset is not None
    return offset.total_seconds() / 3600


def first_instant_at_or_after(local_date: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The earliest instant whose local wall reading is at or after (local_date, local_time).

    Built independently of `resolve_local`: every instant that reads exactly that wall time is
    found from the zone's candidate offsets; if there is none (a gap), the jump is found by
    stepping one minute at a time from before it. Transitions in tzdata fall on whole minutes
    for every zone the tests use.
    """
    target = datetime.combine(local_date, local_time)
    offsets = set()
    for fold in (0, 1):
        offset = target.replace(tzinfo=zone, fold=fold).utcoffset()
        assert offset is not None
        offsets.add(offset)
    exact = [(target - offset).replace(tzinfo=UTC) for offset in offsets]
    exact = [moment for moment in exact if wall(moment, zone) == target]
    if exact:
        return min(exact)
    moment = (target - max(offsets)).replace(tzinfo=UTC)
    assert wall(moment, zone) < target, "the scan must start before the gap"
    for _ in range(24 * 60):
        if wall(moment, zone) >= target:
            return moment
        moment += timedelta(minutes=1)  # UTC arithmetic: one elapsed minute
    raise AssertionError(f"no instant reaches {target} in {zone}")
