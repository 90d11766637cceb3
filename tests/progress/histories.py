"""Hand-built answer histories for the progress tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from core.markers import MarkerId
from core.progress import DayAnswer, WeekAnswers, week_answers_from_days

# A Sunday: the summary's local date. The person joined five weeks before.
WEEK_END = date(2026, 3, 1)
JOINED = WEEK_END - timedelta(days=34)


def days_back(offset: int) -> date:
    """The local date `offset` days before the end of this week (0 = the summary day)."""
    return WEEK_END - timedelta(days=offset)


def week_of(
    item: str | MarkerId, values: Sequence[int | None], weeks_back: int = 0
) -> list[DayAnswer]:
    """One answer a day, from the Monday of the week `weeks_back` weeks ago."""
    monday = WEEK_END - timedelta(days=6 + 7 * weeks_back)
    return [
        DayAnswer(str(item), monday + timedelta(days=offset), value)
        for offset, value in enumerate(values)
    ]


def history(
    *answers: Iterable[DayAnswer], joined: date = JOINED, week_end: date = WEEK_END
) -> WeekAnswers:
    """The `WeekAnswers` of a person with these answers."""
    flat = [answer for group in answers for answer in group]
    return week_answers_from_days(1, week_end, joined, flat)
