"""B7: weekly summaries as production makes them: people whose summary falls due in the same
minute, each with 8 weeks of daily answers, fired by the real tick; then their charts, drawn
as the dispatcher draws them just before sending.

Set-up (not timed): people who joined on Monday 4 January 2027 (`benchmarks.population`),
their summary due on Sunday 28 February at 18:00 London; every day of those 8 weeks about
85% of them answered the check-in N1 would have asked that day
(`scheduler.checkins.choose_items`: 2 to 4 items, the reframe on Sundays), about 5% of items
skipped, each person drifting up, down or level from their own start. Rows are written with
bulk inserts straight into the tables N1 reads.

Timed: `scheduler.tick.Ticker.tick()` at 18:00, with the running bot's batch size for the
database (`bot/jobs.py`; on SQLite the bot also pauses 0.12 s between batches: idle time,
left out), until nothing is due. For each person the tick reads the week's answers, analyses
them, composes the summary, keeps it, logs its messages and queues the chart's reference
and the words (`scheduler/tick.py: _fire_summary`). Reported: summaries queued, per second,
the total, and the event loop's worst lag meanwhile. Then, on SQLite, for a sample of the
queued summaries: the chart as `scheduler.summary_charts.SummaryCharts.draw` draws it from
the reference in the outbox payload (its answers read from the store, the PNG drawn in a
worker thread), CPU per chart (the process's, all threads) and PNG size; the first chart,
which imports matplotlib, on its own.

`python -m benchmarks.summaries [--quick]` runs it alone.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final

from sqlalchemy import insert, select

from benchmarks.harness import (
    JOINED,
    SQLITE,
    LagMonitor,
    SessionFactory,
    analyse_after_bulk_load,
    database,
    database_kinds,
    median,
    production_ticker,
)
from benchmarks.keys import bench_cipher
from benchmarks.population import populate, table_of
from benchmarks.table import Figure, render
from bot.jobs import tick_batches
from core.clock import FakeClock
from core.domain import CheckInSlot, CheckInStatus, OutboxKind
from core.store.engine import create_session_factory
from core.store.repositories import OutboxRepository, PatientRepository
from core.store.tables import AnswerRow, CheckInRow, PatientRow
from core.zones import use_bundled_tzdata
from scheduler.checkins import choose_items
from scheduler.summary_charts import CHART_KEY, SummaryCharts

FULL, QUICK = 2_000, 300
CHARTS_FULL, CHARTS_QUICK = 25, 5
WEEKS: Final = 8
WEEK_END: Final = date(2027, 2, 28)  # the Sunday 8 weeks on
FIRST_DAY: Final = JOINED.date()  # a Monday
# The summary is due at 18:00 London (= UTC in winter); people were scheduled an hour before.
SCHEDULED_AT: Final = datetime(2027, 2, 28, 17, 0, tzinfo=UTC)
DUE_AT: Final = datetime(2027, 2, 28, 18, 0, tzinfo=UTC)
ANSWERED_SHARE = 0.85
SKIP_RATE = 0.05
FIRST_USER = 40_000_000
_CHUNK = 5_000


def _days() -> Iterator[date]:
    for offset in range(WEEKS * 7):
        yield FIRST_DAY + timedelta(days=offset)


async def answer_history(factory: SessionFactory, *, seed: int = 7) -> int:
    """Eight weeks of check-ins and answers for everyone in the store; the answers written."""
    async with factory() as session:
        found = await session.execute(select(PatientRow.id).order_by(PatientRow.id))
        ids = list(found.scalars())
        template = await PatientRepository(session).get(ids[0])
    assert template is not None
    # Everyone has the same preferences, so the same items on the same day.
    items = {day: choose_items(template, day, CheckInSlot.DAILY, {}) for day in _days()}
    rng = random.Random(seed)
    start = {patient: rng.randint(2, 4) for patient in ids}
    trend = {patient: rng.choice((-1, 0, 0, 1)) for patient in ids}
    answers = 0
    for first in range(0, len(ids), _CHUNK // WEEKS):
        people = ids[first : first + _CHUNK // WEEKS]
        check_ins = []
        for day in _days():
            at = datetime(day.year, day.month, day.day, 9, 5, tzinfo=UTC)
            for patient in people:
                if rng.random() < ANSWERED_SHARE:
                    check_ins.append(
                        {
                            "patient_id": patient,
                            "local_date": day,
                            "slot": CheckInSlot.DAILY.value,
                            "items": list(items[day]),
                            "status": CheckInStatus.CLOSED.value,
                            "sent_at": at,
                            "closes_at": at + timedelta(hours=24),
                            "created_at": at,
                        }
                    )
        async with factory.begin() as session:
            made = await session.execute(
                insert(table_of(CheckInRow)).returning(
                    CheckInRow.id, CheckInRow.patient_id, CheckInRow.local_date
                ),
                check_ins,
            )
            rows = []
            for check_in_id, patient, day in made.all():
                week = (day - FIRST_DAY).days // 7
                at = datetime(day.year, day.month, day.day, 9, 5, tzinfo=UTC)
                usual = start[patient] + (trend[patient] * week) // 2
                for item in items[day]:
                    value = min(5, max(1, usual + rng.choice((-1, 0, 0, 0, 1))))
                    rows.append(
                        {
                            "check_in_id": check_in_id,
                            "patient_id": patient,
                            "item": item,
                            "value": None if rng.random() < SKIP_RATE else value,
                            "answered_at": at,
                        }
                    )
            await session.execute(insert(table_of(AnswerRow)), rows)
            answers += len(rows)
    return answers


@dataclass(frozen=True)
class SummaryFigures:
    """What the summaries benchmark measured on one database."""

    database: str
    patients: int
    answers: int
    queued: int
    seconds: float
    batches: int
    batch_size: int
    worst_lag_seconds: float
    # Charts (SQLite only): the first, then the median of the rest; PNG bytes, median.
    charts: int = 0
    first_chart_cpu: float = 0.0
    chart_cpu: float = 0.0
    chart_bytes: float = 0.0

    @property
    def per_second(self) -> float:
        """Summaries queued per second."""
        return self.queued / self.seconds if self.seconds else 0.0


async def _draw_charts(factory: SessionFactory, sample: int) -> tuple[int, float, float, float]:
    """Charts of `sample` queued summaries (spread over everyone), drawn as the dispatcher
    draws them: (charts, first chart's CPU, median CPU of the rest, median PNG bytes)."""
    async with factory() as session:
        queued = await OutboxRepository(session).due(now=DUE_AT, limit=1_000_000)
    references = [
        message.payload[CHART_KEY]
        for message in queued
        if message.kind == OutboxKind.SUMMARY.value and CHART_KEY in message.payload
    ]
    chosen = references[:: max(1, len(references) // (sample + 1))][: sample + 1]
    charts = SummaryCharts(factory)
    cpu: list[float] = []
    sizes: list[float] = []
    for reference in chosen:
        started = time.process_time()  # all threads: the drawing runs in a worker thread
        png = await charts.draw(reference)
        cpu.append(time.process_time() - started)
        sizes.append(float(len(png)))
    if not cpu:
        return 0, 0.0, 0.0, 0.0
    return len(cpu) - 1, cpu[0], median(cpu[1:]), median(sizes[1:] or sizes)


async def measure(patients: int, kind: str = SQLITE, charts: int = 0) -> SummaryFigures:
    """Build the history, tick at the summaries' time, then draw `charts` charts."""
    async with database(kind) as (_, engine):
        factory = create_session_factory(engine, bench_cipher())
        await populate(factory, patients, first_user=FIRST_USER, now=SCHEDULED_AT)
        answers = await answer_history(factory)
        await analyse_after_bulk_load(engine)
        clock = FakeClock(DUE_AT)
        batches = tick_batches(engine)
        fired: list[float] = []
        ticker = production_ticker(
            factory, engine, clock, on_queued=lambda: fired.append(time.perf_counter())
        )
        queued = 0
        async with LagMonitor() as lag:
            started = time.perf_counter()
            while True:
                report = await ticker.tick()
                queued += report.summaries_queued
                if not report.more_due:
                    break
            seconds = time.perf_counter() - started
        drawn = await _draw_charts(factory, charts) if charts else (0, 0.0, 0.0, 0.0)
    return SummaryFigures(
        database=kind,
        patients=patients,
        answers=answers,
        queued=queued,
        seconds=seconds,
        batches=len(fired),
        batch_size=batches.size,
        worst_lag_seconds=lag.worst,
        charts=drawn[0],
        first_chart_cpu=drawn[1],
        chart_cpu=drawn[2],
        chart_bytes=drawn[3],
    )


def figures(f: SummaryFigures) -> list[Figure]:
    """One database's figures (and the charts', when drawn)."""
    where = f.database
    result = [
        Figure("summaries", f"summaries queued, {f.patients:,} people due in the same minute "
               f"with {f.answers:,} answers ({where})", float(f.queued), "",
               target=f"{f.patients:,}", met=f.queued == f.patients),
        Figure("summaries", f"summaries queued per second ({f.batches} batches of "
               f"{f.batch_size}, {where})", f.per_second, "/s"),
        Figure("summaries", f"ticks until all were queued ({where})", f.seconds, "s"),
        Figure("summaries", f"worst event-loop lag meanwhile ({where})",
               f.worst_lag_seconds * 1000, "ms"),
    ]  # fmt: skip
    if f.charts:
        result += [
            Figure("summaries", f"chart at send time: CPU, median of {f.charts}",
                   f.chart_cpu * 1000, "ms"),
            Figure("summaries", "chart at send time: PNG size, median", f.chart_bytes / 1024,
                   "KB"),
            Figure("summaries", "first chart of the process (imports matplotlib): CPU",
                   f.first_chart_cpu * 1000, "ms"),
        ]  # fmt: skip
    return result


FIGURES_PER_DATABASE = 4
CHART_FIGURES = 3


def expected(postgres: bool) -> int:
    """How many figures `run` writes."""
    return FIGURES_PER_DATABASE * (2 if postgres else 1) + CHART_FIGURES


def run(quick: bool) -> list[Figure]:
    """The summaries benchmark's figures on each database (charts on SQLite)."""
    patients, charts = (QUICK, CHARTS_QUICK) if quick else (FULL, CHARTS_FULL)
    result: list[Figure] = []
    for kind in database_kinds():
        sample = charts if kind == SQLITE else 0
        result += figures(asyncio.run(measure(patients, kind, sample)))
    return result


if __name__ == "__main__":
    use_bundled_tzdata()
    print(render(run("--quick" in sys.argv[1:])))
