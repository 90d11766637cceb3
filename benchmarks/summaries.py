"""B7: the weekly progress of 100,000 people from 2.8 million answers, set-based.

Builds a SQLite file with the real schema (Alembic migrations) and `patients` people, each
with 4 weeks of answers: check-ins on Monday, Wednesday and Friday with "moving freely" and
one other marker, and the weekly reframe on Sunday (7 answers a week, 28 per person, so
2.8 million at 100,000 people), about 5% of items skipped. Rows are inserted in time order,
day by day across everyone, as a live N1 would write them. Written around the repository,
so the answer digests the repository keeps as answers come in are then built set-based
(`answer_digests.rebuild`, the SQL of the migration that created them): part of the build.

Then it times the weekly progress for everyone through `ProgressRepository.week_answers`
(one statement, whatever the number of people; counted with a SQLAlchemy event listener)
and `core.progress.analyse`, and prints the figures; a second pass splits the first part
into the statement with its rows and the unpacking. Optionally it also times composing
summaries and rendering charts for a sample.

Run: `python -m benchmarks.summaries` (100,000 people), or small:
`python -m benchmarks.summaries --patients 2000`.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from core.markers import MarkerId
from core.progress import WeeklyProgress, analyse
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from core.store.repositories import PatientRepository, ProgressRepository, answer_digests
from core.store.repositories.progress import week_reading

DEFAULT_PATIENTS = 100_000
WEEKS = 4
# The last day of the week summarised (a Sunday); everyone joined 4 weeks before it.
WEEK_END = date(2026, 2, 1)
FIRST_DAY = WEEK_END - timedelta(days=7 * WEEKS - 1)
TARGET_SECONDS = 1.5
CHECKIN_WEEKDAYS = (0, 2, 4)  # Monday, Wednesday, Friday
OTHER_MARKERS = (
    MarkerId.DOING_WHAT_MATTERS,
    MarkerId.CONFIDENCE,
    MarkerId.WORRY,
    MarkerId.SLEEP,
    MarkerId.ENERGY,
    MarkerId.PAIN_DOMINANCE,
)
SKIP_RATE = 0.05
_BATCH = 200_000


@dataclass(frozen=True)
class Figures:
    """What one run measured."""

    patients: int
    answers: int
    build_seconds: float
    query_seconds: float
    analyse_seconds: float
    statements: int
    summarised: int
    leads: int
    flares: int
    # The split, from a second pass: the statement and its rows, then unpacking them.
    rows_seconds: float = 0.0
    unpack_seconds: float = 0.0
    # The tick's path: one batch through `prepare_weekly_summaries`, and charts drawn.
    batch_size: int = 0
    batch_seconds: float = 0.0
    batch_statements: int = 0
    chart_seconds: float = 0.0
    chart_bytes: int = 0

    @property
    def total_seconds(self) -> float:
        """Query plus analysis."""
        return self.query_seconds + self.analyse_seconds


def _sqlite_text(moment: datetime) -> str:
    # How SQLAlchemy stores a UTC datetime in SQLite (core.store.tables.UTCDateTime).
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _rows(patients: int, seed: int) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Check-in and answer rows, in time order; each patient drifts up or down over time."""
    rng = random.Random(seed)
    trend = [rng.choice((-1, 0, 0, 1)) for _ in range(patients)]
    start = [rng.randint(2, 4) for _ in range(patients)]
    check_in_id = 0
    for offset in range(7 * WEEKS):
        day = FIRST_DAY + timedelta(days=offset)
        week = offset // 7
        weekday = day.weekday()
        if weekday not in CHECKIN_WEEKDAYS and weekday != 6:
            continue
        at = _sqlite_text(datetime(day.year, day.month, day.day, 9, tzinfo=UTC))
        closes = _sqlite_text(datetime(day.year, day.month, day.day, 23, tzinfo=UTC))
        for patient in range(patients):
            check_in_id += 1
            if weekday == 6:
                items: tuple[str, ...] = (MarkerId.REFRAME.value,)
                slot = "weekly"
            else:
                other = OTHER_MARKERS[(patient + offset) % len(OTHER_MARKERS)]
                items = (MarkerId.MOVING_FREELY.value, other.value)
                slot = "daily"
            yield (
                "check_in",
                (check_in_id, patient + 1, day.isoformat(), slot, "[]", "closed", closes, at),
            )
            for item in items:
                base = start[patient] + (trend[patient] * week) // 2
                value: int | None = min(5, max(1, base + rng.choice((-1, 0, 0, 0, 1))))
                if rng.random() < SKIP_RATE:
                    value = None
                yield ("answer", (check_in_id, patient + 1, item, value, at))


def build_database(path: Path, patients: int, *, seed: int = 7) -> int:
    """Create the SQLite file at `path` with `patients` people; returns the answer count."""
    if path.exists():
        path.unlink()
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(upgrade(url))
    connection = sqlite3.connect(path)
    try:
        # Bulk load: no journal and no fsync (a benchmark file, rebuilt if interrupted).
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        joined = _sqlite_text(
            datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, 8, tzinfo=UTC)
        )
        connection.executemany(
            "INSERT INTO patients (id, telegram_user_id, chat_id, status, created_at, "
            "updated_at) VALUES (?, ?, ?, 'active', ?, ?)",
            ((i, 10_000_000 + i, 10_000_000 + i, joined, joined) for i in range(1, patients + 1)),
        )
        answers = 0
        check_ins: list[tuple[Any, ...]] = []
        answer_rows: list[tuple[Any, ...]] = []
        for table, row in _rows(patients, seed):
            if table == "check_in":
                check_ins.append(row)
            else:
                answer_rows.append(row)
            if len(answer_rows) >= _BATCH:
                answers += _flush(connection, check_ins, answer_rows)
        answers += _flush(connection, check_ins, answer_rows)
        connection.commit()
    finally:
        connection.close()
    # The answers went in around the repository, so their digests are built set-based, as
    # the migration that made the table would have.
    asyncio.run(_digest(url))
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()
    return answers


async def _digest(url: str) -> None:
    engine = create_engine(url)
    try:
        async with create_session_factory(engine).begin() as session:
            await answer_digests.rebuild(session)
    finally:
        await engine.dispose()


def _flush(
    connection: sqlite3.Connection,
    check_ins: list[tuple[Any, ...]],
    answers: list[tuple[Any, ...]],
) -> int:
    connection.executemany(
        "INSERT INTO check_ins (id, patient_id, local_date, slot, items, status, closes_at, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        check_ins,
    )
    connection.executemany(
        "INSERT INTO answers (check_in_id, patient_id, item, value, answered_at) "
        "VALUES (?, ?, ?, ?, ?)",
        answers,
    )
    count = len(answers)
    check_ins.clear()
    answers.clear()
    return count


@contextmanager
def _counting(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every SQL statement (not transaction control) the engine sends while inside."""
    sent: list[str] = []

    def _count(*args: Any) -> None:
        statement = str(args[2]).lstrip().upper()
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", _count)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _count)


@dataclass
class _Tally:
    people: int = 0
    leads: int = 0
    flares: int = 0
    analyse_seconds: float = 0.0

    def add(self, progress: WeeklyProgress, led: bool, seconds: float) -> None:
        # `led` is passed in: `progress.lead` is worked out on each access, and a second
        # working-out here would land in the query's share of the time.
        self.people += 1
        self.leads += led
        self.flares += progress.flare
        self.analyse_seconds += seconds


async def time_progress(path: Path) -> tuple[float, int, _Tally]:
    """Seconds for everyone's weekly progress, SQL statements sent, and what was found.

    The rows stream from the one statement and each person is analysed as they arrive (as
    the tick does in batches), so memory stays flat; analysis time is summed separately.
    """
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        session_factory = create_session_factory(engine)
        # Warm the connection (and SQLite's page cache) outside the timing.
        async with session_factory() as session:
            await ProgressRepository(session).week_answers(WEEK_END, [1])
        tally = _Tally()
        with _counting(engine) as sent:
            async with session_factory() as session:
                started = time.perf_counter()
                async for week in ProgressRepository(session).stream_week_answers(WEEK_END):
                    began = time.perf_counter()
                    progress = analyse(week)
                    lead = progress.lead
                    tally.add(progress, lead is not None, time.perf_counter() - began)
                total = time.perf_counter() - started
        return total, len(sent), tally
    finally:
        await engine.dispose()


async def time_split(path: Path) -> tuple[float, float]:
    """A second pass, for the split: seconds for the statement and its rows alone (all
    fetched), then for unpacking them into `WeekAnswers`."""
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        statement, week_of = week_reading(WEEK_END)
        async with create_session_factory(engine)() as session:
            started = time.perf_counter()
            result = await session.stream(statement)
            rows = [row async for rows in result.partitions(2000) for row in rows]
            fetched = time.perf_counter() - started
        started = time.perf_counter()
        for row in rows:
            week_of(row, WEEK_END)
        return fetched, time.perf_counter() - started
    finally:
        await engine.dispose()


async def time_batch(path: Path, size: int, charts: int) -> tuple[float, int, float, int]:
    """A tick-sized batch: seconds and statements for `prepare_weekly_summaries` (compose,
    keep, log), then seconds per chart and the largest chart's bytes."""
    # Imported here: the progress timing above needs none of the message library.
    from messages.catalogue import load_catalogue
    from messages.chart import render_chart
    from scheduler.summaries import prepare_weekly_summaries

    catalogue = load_catalogue()
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        session_factory = create_session_factory(engine)
        async with session_factory() as session:
            # Set-up, outside the timing: the tick hands these in from its own claim.
            patients = [
                patient
                for patient_id in range(1, size + 1)
                if (patient := await PatientRepository(session).get(patient_id)) is not None
            ]
        now = datetime(WEEK_END.year, WEEK_END.month, WEEK_END.day, 18, tzinfo=UTC)
        with _counting(engine) as sent:
            started = time.perf_counter()
            async with session_factory.begin() as session:
                prepared = await prepare_weekly_summaries(
                    session, [(p, WEEK_END) for p in patients], now=now, catalogue=catalogue
                )
            batch = time.perf_counter() - started
        render_chart(prepared[0].chart)  # the first chart pays for importing matplotlib
        started = time.perf_counter()
        sizes = [len(render_chart(p.chart)) for p in prepared[:charts]]
        per_chart = (time.perf_counter() - started) / max(1, len(sizes))
        return batch, len(sent), per_chart, max(sizes, default=0)
    finally:
        await engine.dispose()


def run(
    patients: int = DEFAULT_PATIENTS, path: Path | None = None, batch: int = 200, charts: int = 5
) -> Figures:
    """Build the database (in a temporary directory unless `path` is given) and time it."""
    with tempfile.TemporaryDirectory(prefix="n1-b7-") as scratch:
        target = path or Path(scratch) / "b7.db"
        started = time.perf_counter()
        answers = build_database(target, patients)
        built = time.perf_counter() - started
        total, statements, tally = asyncio.run(time_progress(target))
        rows_seconds, unpack_seconds = asyncio.run(time_split(target))
        size = min(batch, patients)
        batch_seconds, batch_statements, chart_seconds, chart_bytes = asyncio.run(
            time_batch(target, size, charts)
        )
    return Figures(
        patients=patients,
        answers=answers,
        build_seconds=built,
        query_seconds=total - tally.analyse_seconds,
        analyse_seconds=tally.analyse_seconds,
        statements=statements,
        rows_seconds=rows_seconds,
        unpack_seconds=unpack_seconds,
        summarised=tally.people,
        leads=tally.leads,
        flares=tally.flares,
        batch_size=size,
        batch_seconds=batch_seconds,
        batch_statements=batch_statements,
        chart_seconds=chart_seconds,
        chart_bytes=chart_bytes,
    )


def report(figures: Figures) -> str:
    """The figures as lines of text."""
    verdict = "within" if figures.total_seconds <= TARGET_SECONDS else "over"
    return "\n".join(
        [
            f"B7 weekly progress, SQLite: {figures.patients:,} people, "
            f"{figures.answers:,} answer rows",
            f"  build (migrations + bulk insert): {figures.build_seconds:.1f} s",
            f"  set-based query (incl. decoding):  {figures.query_seconds:.3f} s "
            f"({figures.statements} SQL statement(s))",
            f"    second pass: statement and rows {figures.rows_seconds:.3f} s, unpacking "
            f"{figures.unpack_seconds:.3f} s",
            f"  analysis (core.progress.analyse):  {figures.analyse_seconds:.3f} s",
            f"  total: {figures.total_seconds:.3f} s ({verdict} the {TARGET_SECONDS} s target)",
            f"  people summarised: {figures.summarised:,}; leading with an improvement: "
            f"{figures.leads:,}; flare weeks: {figures.flares:,}",
            f"  a tick batch of {figures.batch_size}: prepare_weekly_summaries (analyse, "
            f"compose, keep, log) {figures.batch_seconds * 1000:.0f} ms in "
            f"{figures.batch_statements} SQL statements",
            f"  chart: {figures.chart_seconds * 1000:.0f} ms per PNG (largest "
            f"{figures.chart_bytes / 1024:.0f} KB)",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m benchmarks.summaries [--patients N] [--path FILE]`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
    parser.add_argument("--path", type=Path, default=None, help="keep the database here")
    parser.add_argument("--batch", type=int, default=200, help="people in the tick batch")
    arguments = parser.parse_args(argv)
    print(report(run(arguments.patients, arguments.path, arguments.batch)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
