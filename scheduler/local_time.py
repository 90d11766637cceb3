"""Turning a person's local date and time into a UTC moment, and back into words.

Rules:
- a local time that does not exist (spring-forward gap) moves forward to the first valid
  moment after the gap, i.e. the instant the clocks jump (01:30 on 2027-03-28 in
  Europe/London becomes 02:00 BST);
- a local time that happens twice (fall-back overlap) means the first occurrence (fold=0);
- results are aware UTC datetimes, and comparisons are made in UTC, because Python ignores
  `fold` when comparing two datetimes that share a tzinfo.

Nothing here adds days to an aware datetime: days are added to `date`s, and every moment is
rebuilt from (local date, local time, zone).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

__all__ = [
    "as_utc",
    "describe_occurrence",
    "local_date_exists",
    "local_date_of",
    "local_wall",
    "resolve_local",
    "start_of_local_day",
]

# English names, fixed here so output does not depend on the process locale.
_DAY_ABBR: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def as_utc(moment: datetime) -> datetime:
    """`moment` converted to UTC; raises ValueError for a naive datetime.

    A naive datetime has no meaning here (is it UTC? server time?), so it is refused rather
    than guessed.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {moment!r}")
    return moment.astimezone(UTC)


def local_wall(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading in `zone` at the aware `moment`."""
    return moment.astimezone(zone).replace(tzinfo=None, fold=0)


def local_date_of(moment: datetime, zone: ZoneInfo) -> date:
    """The calendar date in `zone` at the aware `moment`."""
    return moment.astimezone(zone).date()


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant the clocks jump over the missing wall time `wall`, or None if not found.

    In a gap, fold=1 maps `wall` with the offset after the jump (an instant before the jump)
    and fold=0 with the offset before it (an instant after the jump). Between those two
    instants the wall clock goes from before `wall` to after it exactly once, so a bisection
    over whole seconds finds the jump. Transitions fall on whole seconds in tzdata.
    """
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    low_ts = math.floor(low.timestamp())
    high_ts = math.ceil(high.timestamp())

    def reached(timestamp: int) -> bool:
        return local_wall(datetime.fromtimestamp(timestamp, UTC), zone) >= wall

    if low_ts >= high_ts or reached(low_ts) or not reached(high_ts):
        return None
    # Invariant: the wall clock at low_ts is before `wall`, at high_ts it is at or after it.
    while high_ts - low_ts > 1:
        middle = (low_ts + high_ts) // 2
        if reached(middle):
            high_ts = middle
        else:
            low_ts = middle
    return datetime.fromtimestamp(high_ts, UTC)


def resolve_local(local_date: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The aware UTC moment for `local_time` on `local_date` in `zone`.

    A time that happens twice (fall-back) gives the first occurrence; a time that does not
    exist (spring-forward) gives the first valid moment after the gap. `local_time` is read
    as a wall-clock time: any tzinfo or fold on it is ignored.
    """
    wall = datetime.combine(local_date, local_time.replace(tzinfo=None, fold=0))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if local_wall(first, zone) == wall:
        # The wall time exists; in an overlap fold=0 is the earlier of the two instants.
        return first
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if local_wall(second, zone) == wall:
        return second  # defensive: only fold=1 round-trips (not seen in tzdata)
    jump = _end_of_gap(wall, zone)
    # If the bisection could not bracket the jump (an oddity in the data), zoneinfo's own
    # reading (the time shifted by the size of the gap) is still after the gap.
    return jump if jump is not None else first


def start_of_local_day(local_date: date, zone: ZoneInfo) -> datetime:
    """The first moment of `local_date` in `zone` (00:00, or the end of a midnight gap)."""
    return resolve_local(local_date, time(0, 0), zone)


def local_date_exists(local_date: date, zone: ZoneInfo) -> bool:
    """False only for a calendar date skipped entirely (Pacific/Apia, 2011-12-30)."""
    return local_date_of(start_of_local_day(local_date, zone), zone) == local_date


def describe_occurrence(moment_utc: datetime, zone: ZoneInfo) -> tuple[str, str]:
    """Human-readable local and UTC readings of a moment.

    E.g. ("Thu 25 Mar 2027 01:30 GMT", "2027-03-25 01:30 UTC"). Seconds are shown only if
    they are not zero. The local part ends with the zone's abbreviation (or offset, for
    zones that have none, e.g. "+0545").
    """
    utc = as_utc(moment_utc)
    local = utc.astimezone(zone)
    clock = "%H:%M:%S" if local.second or utc.second else "%H:%M"
    abbreviation = local.tzname() or local.strftime("%z")
    local_text = (
        f"{_DAY_ABBR[local.weekday()]} {local.day} {_MONTH_ABBR[local.month - 1]} "
        f"{local.year} {local.strftime(clock)} {abbreviation}"
    )
    utc_text = f"{utc.strftime('%Y-%m-%d')} {utc.strftime(clock)} UTC"
    return local_text, utc_text
