"""Drawing a weekly summary's chart when it is about to be sent.

The tick keeps the summary and queues it in the same transaction; the chart (a quarter of
a second of CPU) is drawn only at delivery, in a worker thread, from the answers in the
store. So nothing slow happens inside a transaction and no image files need managing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.progress import CHART_WEEKS, WEEK_DAYS, ChartData, chart_data
from core.store.repositories import ProgressRepository
from messages.chart import render_chart

CHART_KEY = "chart"


def chart_reference(patient_id: int, week_end: date) -> dict[str, Any]:
    """What an outbox payload keeps to draw the chart later."""
    return {"patient_id": patient_id, "week_end": week_end.isoformat()}


class SummaryCharts:
    """Draws the chart an outbox payload refers to."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory

    async def draw(self, reference: Mapping[str, Any]) -> bytes:
        """The PNG for `chart_reference(...)`; raises KeyError/ValueError on a bad reference."""
        return await asyncio.to_thread(render_chart, await self.data(reference))

    async def data(self, reference: Mapping[str, Any]) -> ChartData:
        """What the chart for `chart_reference(...)` shows: the person's weekly medians over
        the weeks up to the summary's."""
        patient_id = int(reference["patient_id"])
        week_end = date.fromisoformat(str(reference["week_end"]))
        first = week_end - timedelta(days=WEEK_DAYS * CHART_WEEKS - 1)
        async with self._session_factory() as session:
            answers = await ProgressRepository(session).daily_answers(patient_id, first, week_end)
        return chart_data(answers, week_end)
