"""Days and moments in the words a person reads."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def in_words(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in the person's own time: "Tuesday 5 January at 09:00"."""
    local = moment.astimezone(zone)
    return f"{day_in_words(local.date())} at {local:%H:%M}"


def day_in_words(day: date) -> str:
    """A day: "Tuesday 5 January"."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%B}"


def describe_days(mask: int) -> str:
    """Chosen days in words: "every day", "weekdays", "Monday, Wednesday and Friday"."""
    if mask == 0b111_1111:
        return "every day"
    if mask == 0b001_1111:
        return "weekdays"
    if mask == 0b110_0000:
        return "weekends"
    names = [WEEKDAY_NAMES[day] for day in range(7) if mask & (1 << day)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
