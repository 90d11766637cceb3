"""How long N1 keeps the data of someone it has not heard from."""

from __future__ import annotations

import calendar
from datetime import datetime


def retention_cutoff(now: datetime, months: int) -> datetime:
    """The moment `months` calendar months before `now` (the same day of the month, or the
    month's last day when it is shorter): people with no sign of them since are purged."""
    if months < 1:
        raise ValueError("the retention period is at least one month")
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)
