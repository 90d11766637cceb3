"""How long N1 keeps the data of someone it has not heard from."""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta


def retention_cutoff(now: datetime, months: int) -> datetime:
    """The moment `months` calendar months before `now` (the same day of the month, or the
    month's last day when it is shorter): people with no sign of them since are purged."""
    if months < 1:
        raise ValueError("the retention period is at least one month")
    return now - relativedelta(months=months)
