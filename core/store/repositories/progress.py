"""The answers behind one person's weekly progress and chart.

A weekly summary reads the person's own answers in three windows (this week, the week three
weeks before, their first two weeks), in one query on the check-ins' (patient, local date)
index. Nothing here reads a person's name or notes, and nothing is logged.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.progress import (
    DayAnswer,
    WeekAnswers,
    baseline_end,
    week_answers_from_days,
    week_window,
    weeks_ago_window,
)
from core.store.tables import AnswerRow, CheckInRow


class ProgressRepository:
    """Reads answers for the weekly progress and the chart; never writes."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def week_answers(self, patient_id: int, week_end: date, joined: date) -> WeekAnswers:
        """The person's answers for the week ending `week_end` (a local date), sorted into
        this week, three weeks before and their baseline (from `joined`, their first day)."""
        periods = (week_window(week_end), weeks_ago_window(week_end), (joined, None))
        in_periods = or_(
            *(
                CheckInRow.local_date.between(first, last)
                if last is not None
                else CheckInRow.local_date < baseline_end(first)
                for first, last in periods
            )
        )
        answers = await self._answers(and_(CheckInRow.patient_id == patient_id, in_periods))
        return week_answers_from_days(patient_id, week_end, joined, answers)

    async def daily_answers(self, patient_id: int, first: date, last: date) -> list[DayAnswer]:
        """Every answer the person gave from `first` to `last` (local dates), skips included."""
        return await self._answers(
            and_(CheckInRow.patient_id == patient_id, CheckInRow.local_date.between(first, last))
        )

    async def _answers(self, condition: ColumnElement[bool]) -> list[DayAnswer]:
        statement = (
            select(AnswerRow.item, CheckInRow.local_date, AnswerRow.value)
            .join(CheckInRow, AnswerRow.check_in_id == CheckInRow.id)
            .where(condition)
        )
        rows = await self._session.execute(statement)
        return [DayAnswer(item, local_date, value) for item, local_date, value in rows]
