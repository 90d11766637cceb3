"""Pure scheduling: when the next check-in, weekly summary or nudge is due.

Nothing here reads the wall clock, a database or Telegram: every function takes `now` (an
aware datetime, normally UTC from the injected clock) and returns aware UTC datetimes, ready to
be stored in a `next_*_at` column.

The one rule behind everything: a moment is always rebuilt from
(local date, local time, zone) with `resolve_local`, never by adding 24 hours. So a check-in
at 01:30 in London fires once on every chosen local day: at 02:00 BST on the spring-forward
night (01:30 does not exist) and at 01:30 BST, not also at 01:30 GMT, on the fall-back night.

Quiet hours are local too. A window such as 21:00-08:00 is the span of instants from
`resolve_local(day, 21:00)` to `resolve_local(next day, 08:00)`, with the same gap and
overlap rules; a window whose start equals its end means "no quiet hours".
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from scheduler.local_time import (
    as_utc,
    describe_occurrence,
    local_date_exists,
    local_date_of,
    resolve_local,
    start_of_local_day,
)
from scheduler.time_input import parse_time_of_day
from scheduler.weekdays import (
    EVERY_DAY,
    WEEKDAYS,
    WEEKENDS,
    Weekday,
    contains,
    format_weekdays,
    parse_weekdays,
    validate_mask,
)
from scheduler.zone_search import find_zones, load_zone

__all__ = [
    "EVERY_DAY",
    "WEEKDAYS",
    "WEEKENDS",
    "QuietWindow",
    "Slot",
    "Weekday",
    "contains",
    "describe_occurrence",
    "end_of_quiet_hours",
    "find_zones",
    "format_weekdays",
    "in_quiet_hours",
    "load_zone",
    "next_occurrence",
    "next_slot",
    "next_weekly",
    "occurrence_on",
    "occurrences",
    "outside_quiet_hours",
    "parse_time_of_day",
    "parse_weekdays",
    "quiet_window_at",
    "resolve_local",
    "start_of_local_day",
]

_ONE_DAY: Final = timedelta(days=1)  # only ever added to `date`s, never to aware datetimes
# Any valid mask has a chosen day within 7 days; the margin covers a skipped calendar date
# (Pacific/Apia lost 2011-12-30) and the day-before start in `next_occurrence`.
_MAX_DAYS_SCANNED: Final = 16


def occurrence_on(local_date: date, local_time: time, zone: ZoneInfo) -> datetime | None:
    """The moment `local_time` happens on `local_date` in `zone`, or None if the date is skipped.

    Normally `resolve_local`. Only when the whole calendar date is missing from the zone (the
    clocks jumped over it) is there no such local day, and so no occurrence: otherwise the
    next day would get two.
    """
    moment = resolve_local(local_date, local_time, zone)
    if local_date_of(moment, zone) != local_date and not local_date_exists(local_date, zone):
        return None
    return moment


class Slot(NamedTuple):
    """One occurrence: the local day it belongs to, and when it happens (UTC).

    `local_date` is the day the schedule chose, which is what a per-day unique key should
    use. It is the local date of `at` except when a gap crossing midnight pushes the time
    onto the next date.
    """

    local_date: date
    at: datetime


def _next_slot(
    after: datetime, local_time: time, days_mask: int, zone: ZoneInfo, *, inclusive: bool
) -> Slot:
    after = as_utc(after)
    validate_mask(days_mask)
    # Start a day early: a time in a gap that crosses midnight resolves onto the next local
    # date, so yesterday's occurrence can still be ahead of `after`.
    local_date = local_date_of(after, zone) - _ONE_DAY
    for _ in range(_MAX_DAYS_SCANNED):
        if contains(days_mask, local_date):
            moment = occurrence_on(local_date, local_time, zone)
            if moment is not None and (moment >= after if inclusive else moment > after):
                return Slot(local_date, moment)
        local_date += _ONE_DAY
    raise ValueError(f"no occurrence of {local_time} within {_MAX_DAYS_SCANNED} days in {zone}")


def next_slot(now: datetime, local_time: time, days_mask: int, zone: ZoneInfo) -> Slot:
    """Like `next_occurrence`, also giving the local day the occurrence belongs to."""
    return _next_slot(now, local_time, days_mask, zone, inclusive=False)


def next_occurrence(now: datetime, local_time: time, days_mask: int, zone: ZoneInfo) -> datetime:
    """The next moment strictly after `now` that is `local_time` on a chosen local day (UTC).

    `days_mask` is a `Weekday` bitmask (1..127). Exactly one moment per chosen local day:
    in a spring-forward gap the first valid moment after it, in a fall-back overlap the
    first occurrence only. Iterating `now = next_occurrence(now, ...)` walks them in order.
    """
    return _next_slot(now, local_time, days_mask, zone, inclusive=False).at


def next_weekly(now: datetime, weekday: int, local_time: time, zone: ZoneInfo) -> datetime:
    """The next weekly moment strictly after `now`: `weekday` (0=Monday ... 6=Sunday) at
    `local_time` in `zone` (UTC), with the same gap and overlap rules as `next_occurrence`.
    """
    if not (isinstance(weekday, int) and 0 <= weekday <= 6):
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday!r}")
    return next_occurrence(now, local_time, 1 << weekday, zone)


def occurrences(
    start: datetime, local_time: time, days_mask: int, zone: ZoneInfo, count: int
) -> list[datetime]:
    """The first `count` moments at or after `start` (UTC), in order.

    For a preview from a local date, pass `start_of_local_day(that_date, zone)`.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    moments: list[datetime] = []
    if count == 0:
        return moments
    moment = _next_slot(start, local_time, days_mask, zone, inclusive=True).at
    moments.append(moment)
    while len(moments) < count:
        moment = next_occurrence(moment, local_time, days_mask, zone)
        moments.append(moment)
    return moments


# --- Quiet hours -----------------------------------------------------------------------------


class QuietWindow(NamedTuple):
    """One night's quiet hours as UTC instants: quiet from `start` (inclusive) to `end`."""

    start: datetime
    end: datetime


def _quiet_times(quiet_start: time | None, quiet_end: time | None) -> tuple[time, time] | None:
    """The window's wall times, or None when there are no quiet hours (unset, or start == end)."""
    if quiet_start is None or quiet_end is None:
        return None
    start, end = quiet_start.replace(tzinfo=None), quiet_end.replace(tzinfo=None)
    return None if start == end else (start, end)


def _window_for(
    local_date: date, quiet_start: time, quiet_end: time, zone: ZoneInfo
) -> QuietWindow:
    """The quiet window that starts on `local_date`; it ends the next day if it wraps midnight."""
    start = resolve_local(local_date, quiet_start, zone)
    wraps = quiet_end < quiet_start
    end = resolve_local(local_date + _ONE_DAY if wraps else local_date, quiet_end, zone)
    return QuietWindow(start, end)


def _windows_near(
    moment: datetime, quiet_start: time, quiet_end: time, zone: ZoneInfo, days_after: int
) -> list[QuietWindow]:
    """Non-empty windows starting from the local day before `moment` onwards, in order.

    `resolve_local` never moves a later wall time to an earlier instant, so the windows of
    successive days never overlap (they can touch when a gap swallows the time between).
    """
    first_day = local_date_of(moment, zone) - _ONE_DAY
    windows = [
        _window_for(first_day + timedelta(days=offset), quiet_start, quiet_end, zone)
        for offset in range(days_after + 2)
    ]
    return [window for window in windows if window.start < window.end]


def quiet_window_at(
    moment_utc: datetime, quiet_start: time | None, quiet_end: time | None, zone: ZoneInfo
) -> QuietWindow | None:
    """The quiet window containing `moment_utc`, or None if it is not in quiet hours."""
    times = _quiet_times(quiet_start, quiet_end)
    moment = as_utc(moment_utc)
    if times is None:
        return None
    for window in _windows_near(moment, *times, zone, days_after=1):
        if window.start <= moment < window.end:
            return window
    return None


def in_quiet_hours(
    moment_utc: datetime, quiet_start: time | None, quiet_end: time | None, zone: ZoneInfo
) -> bool:
    """True if `moment_utc` falls in the person's local quiet hours.

    The window runs from `quiet_start` to `quiet_end` local time and may wrap midnight
    (21:00 to 08:00). Start == end, or either one None, means no quiet hours.
    """
    return quiet_window_at(moment_utc, quiet_start, quiet_end, zone) is not None


def end_of_quiet_hours(
    moment_utc: datetime, quiet_start: time | None, quiet_end: time | None, zone: ZoneInfo
) -> datetime:
    """The next moment after `moment_utc` at which quiet hours end (UTC).

    Inside quiet hours that is the end of the current window; outside them, the end of the
    next window. The end is `quiet_end` local time resolved like every other local time
    (a missing time moves to the end of the gap, a repeated one is its first occurrence).
    With no quiet hours there is nothing to end, and `moment_utc` is returned as it is.
    """
    times = _quiet_times(quiet_start, quiet_end)
    moment = as_utc(moment_utc)
    if times is None:
        return moment
    windows = _windows_near(moment, *times, zone, days_after=3)
    for index, window in enumerate(windows):
        if window.end <= moment:
            continue
        end = window.end
        # If a gap made the next window start exactly where this one ends, quiet continues.
        for following in windows[index + 1 :]:
            if following.start != end:
                break
            end = following.end
        return end
    raise ValueError(f"no end of quiet hours found near {moment} in {zone}")  # not reachable


def outside_quiet_hours(
    moment_utc: datetime, quiet_start: time | None, quiet_end: time | None, zone: ZoneInfo
) -> datetime:
    """`moment_utc` itself (as UTC) if it is outside quiet hours, else when they end."""
    moment = as_utc(moment_utc)
    if in_quiet_hours(moment, quiet_start, quiet_end, zone):
        return end_of_quiet_hours(moment, quiet_start, quiet_end, zone)
    return moment
