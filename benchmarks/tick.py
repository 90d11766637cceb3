"""B2: the cost of a tick: idle, and one that fires 10,000 due check-ins; the loop's lag.

Also holds the helpers the other benchmarks share to build a database of active patients
quickly: one person is set up exactly as onboarding leaves them (repositories + `reschedule`),
then copied row by row with bulk inserts (same preferences, so the same schedule rows).
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Table, event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benchmarks.table import Figure
from core.callbacks import CallbackCodec, derive_key
from core.clock import FakeClock
from core.domain import HEALTH_DATA_CONSENT, PatientStatus
from core.heap import freeze_startup_heap
from core.journey import CONSENT_VERSION
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from core.store.repositories import ConsentRepository, PatientRepository
from core.store.tables import ConsentRow, PatientRow, ScheduleRow
from scheduler.schedules import reschedule
from scheduler.tick import Ticker
from scheduler.zone_search import load_zone

SessionFactory = async_sessionmaker[AsyncSession]
T = TypeVar("T")

# Monday 4 January 2027: everyone joined at 08:00 UTC; check-ins at 09:00 London (= UTC).
JOINED = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
DUE = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
FIRST_USER = 10_000_000
_CHUNK = 5_000
FULL, QUICK = 10_000, 400
# A PostgreSQL server URL: benchmarks that compare databases also run on scratch ones there.
POSTGRES_ENV = "N1_BENCH_POSTGRES_URL"


def postgres_server_url() -> str | None:
    """The PostgreSQL server the benchmarks also run on (`N1_BENCH_POSTGRES_URL`), if set."""
    return os.environ.get(POSTGRES_ENV, "").strip() or None


@asynccontextmanager
async def database(url: str | None = None) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A fresh, migrated SQLite database in a temporary directory (or `url`)."""
    with tempfile.TemporaryDirectory(prefix="n1-bench-") as scratch:
        target = url or f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
        await upgrade(target)
        engine = create_engine(target)
        try:
            yield target, engine
        finally:
            await engine.dispose()


async def populate(
    session_factory: SessionFactory,
    count: int,
    *,
    now: datetime = JOINED,
    first_user: int = FIRST_USER,
    checkin_time: str = "09:00",
) -> list[int]:
    """`count` active people in London, all due a check-in at `checkin_time` (as onboarding
    leaves them); returns their Telegram user ids (= chat ids)."""
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        patient = await patients.add(telegram_user_id=first_user, chat_id=first_user, now=now)
        await patients.update_preferences(
            patient.id,
            now=now,
            time_zone="Europe/London",
            checkin_days=127,
            checkin_time=checkin_time,
            summary_weekday=6,
            summary_time="18:00",
            quiet_start="21:00",
            quiet_end="08:00",
        )
        await patients.touch_last_seen(patient.id, now)
        active = await patients.update_status(patient.id, PatientStatus.ACTIVE, now)
        assert active is not None
        await reschedule(session, active, now)
        await ConsentRepository(session).record(
            patient_id=patient.id,
            kind=HEALTH_DATA_CONSENT,
            version=CONSENT_VERSION,
            granted=True,
            now=now,
        )
        template = (
            (
                await session.execute(
                    select(PatientRow.__table__).where(PatientRow.id == patient.id)
                )
            )
            .mappings()
            .one()
        )
        schedules = (
            (
                await session.execute(
                    select(ScheduleRow.__table__).where(ScheduleRow.patient_id == patient.id)
                )
            )
            .mappings()
            .all()
        )
        consent = (
            (
                await session.execute(
                    select(ConsentRow.__table__).where(ConsentRow.patient_id == patient.id)
                )
            )
            .mappings()
            .one()
        )
    base_id = patient.id
    users = [first_user + n for n in range(count)]
    next_schedule = max(int(s["id"]) for s in schedules) + 1
    for start in range(1, count, _CHUNK):
        numbers = range(start, min(count, start + _CHUNK))
        people: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        consents: list[dict[str, Any]] = []
        for n in numbers:
            agreed = dict(consent)
            agreed.update(id=int(consent["id"]) + n, patient_id=base_id + n)
            consents.append(agreed)
            person = dict(template)
            person.update(id=base_id + n, telegram_user_id=users[n], chat_id=users[n])
            people.append(person)
            for schedule in schedules:
                row = dict(schedule)
                row.update(id=next_schedule, patient_id=base_id + n)
                next_schedule += 1
                rows.append(row)
        async with session_factory.begin() as session:
            await session.execute(insert(cast(Table, PatientRow.__table__)), people)
            await session.execute(insert(cast(Table, ScheduleRow.__table__)), rows)
            await session.execute(insert(cast(Table, ConsentRow.__table__)), consents)
    return users


def codec() -> CallbackCodec:
    """A callback codec with a fixed benchmark key."""
    return CallbackCodec(derive_key("n1-benchmarks"))


class LagMonitor:
    """Samples `asyncio.sleep(0.005)` and keeps the worst overshoot: the loop's lag."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.perf_counter() - started - self.interval)

    async def __aenter__(self) -> LagMonitor:
        self._task = asyncio.create_task(self._sample())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task


async def timed(action: Callable[[], Awaitable[T]]) -> tuple[float, T]:
    """Seconds `action` took, and its result."""
    started = time.perf_counter()
    result = await action()
    return time.perf_counter() - started, result


@dataclass(frozen=True)
class TickFigures:
    """What the tick benchmark measured."""

    patients: int
    idle_seconds: float
    full_seconds: float
    ticks: int
    queued: int
    worst_lag_seconds: float
    # SQL statements sent while firing (an executemany counts once), and batches claimed.
    statements: int = 0
    batches: int = 0


async def measure(patients: int) -> TickFigures:
    """Idle ticks before the check-ins fall due, then ticks until all `patients` are fired."""
    async with database() as (_, engine):
        factory = create_session_factory(engine)
        await populate(factory, patients)
        clock = FakeClock(JOINED)
        # As the running bot: its dispatcher renders the check-ins just before sending them.
        ticker = Ticker(factory, clock=clock, codec=codec(), max_batches=10_000)
        await ticker.tick()  # the first tick's one-off sweep for people without schedules
        # Built once per process on first use (about 80 ms); a running bot has it already.
        load_zone("Europe/London")
        freeze_startup_heap()  # as the running bot does once it has started
        idle = []
        for _ in range(20):
            seconds, _report = await timed(ticker.tick)
            idle.append(seconds)
        clock.set(DUE)
        queued = 0
        ticks = 0
        sent: list[str] = []

        def count(*args: Any) -> None:
            sent.append(str(args[2]))

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        try:
            async with LagMonitor() as lag:
                started = time.perf_counter()
                while True:
                    report = await ticker.tick()
                    ticks += 1
                    queued += report.checkins_queued
                    if not report.more_due:
                        break
                full = time.perf_counter() - started
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count)
        gc.unfreeze()  # the next benchmark in this process starts from a normal heap
        # Every batch starts with the claim of due schedule rows (with their people).
        batches = sum(1 for s in sent if "FROM schedules JOIN patients" in s)
        return TickFigures(
            patients,
            statistics.median(idle),
            full,
            ticks,
            queued,
            lag.worst,
            statements=len(sent),
            batches=batches,
        )


def run(quick: bool) -> list[Figure]:
    """The tick benchmark's figures (10,000 due; 1,000 with `quick`)."""
    patients = QUICK if quick else FULL
    f = asyncio.run(measure(patients))
    return [
        Figure("tick", "idle tick (median of 20)", f.idle_seconds * 1000, "ms",
               target="< 5 ms", met=f.idle_seconds < 0.005),
        Figure("tick", f"tick firing {patients:,} due check-ins ({f.statements:,} SQL "
               f"statements, {f.batches} claims)", f.full_seconds, "s",
               target="< 0.5 s for 10,000",
               met=(f.full_seconds < 0.5) if patients == FULL else None),
        Figure("tick", "check-ins queued", float(f.queued), "", target=f"{patients:,}",
               met=f.queued == patients),
        Figure("tick", "worst event-loop lag meanwhile", f.worst_lag_seconds * 1000, "ms",
               target="< 50 ms", met=f.worst_lag_seconds < 0.05),
    ]  # fmt: skip
