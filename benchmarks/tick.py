"""B2: the tick. An idle tick, then the ticks that fire 10,000 due check-ins, and the event
loop's worst lag meanwhile; on SQLite and, with `N1_BENCH_POSTGRES_URL`, PostgreSQL.

N1's own `scheduler.tick.Ticker`, with the batch size the running bot gives it on that
database (`bot/jobs.py`: 200 on either) and the default number of batches
per tick, is ticked until nothing is due, as `DeliveryJobs.tick_now` does. Each batch claims
due schedule rows, opens the check-ins, queues their outbox messages and advances the rows,
in one transaction (the dispatcher renders each check-in just before sending it: `burst`
times that part). On SQLite the running bot also waits 0.12 s after each batch that claimed
rows (the last one too) so that answers get the write lock; those pauses are idle time, left
out of the tick's time and reported on their own. Like `n1 run`, the process has frozen its
start-up heap (`core.heap`) and loaded the zone it needs before the ticks.

`python -m benchmarks.tick [--quick]` runs it alone.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from dataclasses import dataclass

from benchmarks.harness import (
    DUE,
    JOINED,
    SQLITE,
    LagMonitor,
    StatementCounter,
    analyse_after_bulk_load,
    database,
    database_kinds,
    median,
    production_ticker,
)
from benchmarks.keys import bench_cipher
from benchmarks.population import populate
from benchmarks.table import Figure, render
from bot.jobs import tick_batches
from core.clock import FakeClock
from core.heap import freeze_startup_heap
from core.store.engine import create_session_factory
from core.zones import use_bundled_tzdata
from scheduler.zone_search import load_zone

FULL, QUICK = 10_000, 400
IDLE_TICKS = 20
TARGET_SECONDS = 1.0
# Figures per database, and the one more on SQLite (its pauses).
FIGURES_PER_DATABASE = 4


@dataclass(frozen=True)
class TickFigures:
    """What the tick benchmark measured on one database."""

    database: str
    patients: int
    idle_seconds: float
    fire_seconds: float
    batches: int
    batch_size: int
    statements: int
    queued: int
    worst_lag_seconds: float
    # Real seconds the running bot pauses after each batch that claimed rows, and in all.
    pause: float
    pauses_seconds: float


async def measure(patients: int, kind: str = SQLITE) -> TickFigures:
    """Idle ticks before the check-ins fall due, then ticks until all `patients` are fired."""
    async with database(kind) as (_, engine):
        factory = create_session_factory(engine, bench_cipher())
        await populate(factory, patients)
        await analyse_after_bulk_load(engine)
        clock = FakeClock(JOINED)
        batches = tick_batches(engine)
        fired: list[float] = []
        ticker = production_ticker(
            factory, engine, clock, on_queued=lambda: fired.append(time.perf_counter())
        )
        await ticker.tick()  # the first tick's one-off sweep for people without schedules
        load_zone("Europe/London")  # built once per process; a running bot has it already
        freeze_startup_heap()  # as `n1 run` does once it has started
        try:
            idle = []
            for _ in range(IDLE_TICKS):
                started = time.perf_counter()
                await ticker.tick()
                idle.append(time.perf_counter() - started)
            clock.set(DUE)
            counter = StatementCounter()
            queued = 0
            with counter.listening(engine.sync_engine), counter.counting():
                async with LagMonitor() as lag:
                    started = time.perf_counter()
                    while True:
                        report = await ticker.tick()
                        queued += report.checkins_queued
                        if not report.more_due:
                            break
                    seconds = time.perf_counter() - started
        finally:
            gc.unfreeze()
    return TickFigures(
        database=kind,
        patients=patients,
        idle_seconds=median(idle),
        fire_seconds=seconds,
        batches=len(fired),
        batch_size=batches.size,
        statements=counter.statements,
        queued=queued,
        worst_lag_seconds=lag.worst,
        pause=batches.pause,
        # The tick sleeps after every batch that claimed rows, the last one too; here each
        # of those batches queued check-ins, so `fired` counts them.
        pauses_seconds=len(fired) * batches.pause,
    )


def figures(f: TickFigures, full: bool) -> list[Figure]:
    """One database's figures."""
    where = f.database
    result = [
        Figure("tick", f"idle tick, median of {IDLE_TICKS} ({where})", f.idle_seconds * 1000,
               "ms", target="< 5 ms", met=f.idle_seconds < 0.005),
        Figure("tick", f"firing {f.patients:,} due check-ins: {f.batches} batches of "
               f"{f.batch_size}, {f.statements:,} SQL statements ({where})", f.fire_seconds, "s",
               target=f"< {TARGET_SECONDS:g} s for {FULL:,}",
               met=(f.fire_seconds < TARGET_SECONDS) if full else None),
        Figure("tick", f"check-ins queued ({where})", float(f.queued), "",
               target=f"{f.patients:,}", met=f.queued == f.patients),
        Figure("tick", f"worst event-loop lag meanwhile ({where})", f.worst_lag_seconds * 1000,
               "ms", target="< 50 ms", met=f.worst_lag_seconds < 0.05),
    ]  # fmt: skip
    if f.pause:
        result.append(
            Figure("tick", f"the running bot's pauses after each batch ({f.pause:g} s each), "
                   f"not counted above ({where})", f.pauses_seconds, "s")
        )  # fmt: skip
    return result


def expected(postgres: bool) -> int:
    """How many figures `run` writes."""
    return FIGURES_PER_DATABASE * (2 if postgres else 1) + 1


def run(quick: bool) -> list[Figure]:
    """The tick benchmark's figures on each database."""
    patients = QUICK if quick else FULL
    result: list[Figure] = []
    for kind in database_kinds():
        result += figures(asyncio.run(measure(patients, kind)), full=not quick)
    return result


if __name__ == "__main__":
    use_bundled_tzdata()
    print(render(run("--quick" in sys.argv[1:])))
