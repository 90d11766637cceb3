"""Days and moments in the words a person reads."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.checkin_items import EVERY_DAY, WEEKDAYS, WEEKENDS, chosen_days
from messages.checkin_texts import NO_CHECKIN_DAYS

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Masks with a name of their own; any other is listed day by day.
_NAMED_DAYS = {EVERY_DAY: "every day", WEEKDAYS: "weekdays", WEEKENDS: "weekends"}


def in_words(moment: datetime, zone: ZoneInfo) -> str:
    """A moment in the person's own time: "Tuesday 5 January at 09:00"."""
    local = moment.astimezone(zone)
    return f"{day_in_words(local.date())} at {local:%H:%M}"


def day_in_words(day: date) -> str:
    """A day: "Tuesday 5 January"."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%B}"


def describe_days(mask: int) -> str:
    """Chosen days in words: "every day", "weekdays", "Monday, Wednesday and Friday"."""
    if mask in _NAMED_DAYS:
        return _NAMED_DAYS[mask]
    names = [WEEKDAY_NAMES[day] for day in chosen_days(mask)]
    if not names:
        return NO_CHECKIN_DAYS
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
