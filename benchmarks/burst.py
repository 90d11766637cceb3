"""B3: 10,000 people due a check-in in the same second, against the per-user JobQueue bot.

N1: the tick and the dispatcher run together as the running bot runs them (`bot/jobs.py`):
`scheduler.tick.Ticker` with the running bot's batches (200 at a time, on SQLite with a
0.12 s pause between them), waking `scheduler.dispatcher.Dispatcher` after each batch; the
dispatcher renders each check-in and sends it with `bot.sender.TelegramSender` over N1's own
Bot API client (`application.bot` from `bot.app.build_application`) to the sandbox, in a
process of its own with its flood limits off, and the dispatcher's pacing off too. Timed
from the first tick until no message is left pending or sending. Then the sandbox's call
log is counted per chat: sent exactly once, duplicated, missed.

Baseline: `benchmarks.baseline.jobqueue_bot.burst`, one `run_daily` job per person with
PTB's default JobQueue settings, all due in the same second.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass

from benchmarks.baseline import jobqueue_bot
from benchmarks.call_log import deliveries
from benchmarks.harness import (
    DUE,
    SQLITE,
    codec,
    database,
    initialized_bot,
    outbox_settled,
    production_ticker,
)
from benchmarks.keys import bench_cipher
from benchmarks.population import populate
from benchmarks.sandbox_process import sandbox_in_process_of_its_own
from benchmarks.table import Figure, render
from bot.sender import TelegramSender
from core.clock import FakeClock
from core.store.engine import create_session_factory
from core.zones import use_bundled_tzdata
from sandbox import SandboxLimits
from scheduler.dispatch_lock import dispatch_lock_for
from scheduler.dispatcher import Dispatcher, DispatchSettings
from scheduler.pacing import DeliveryLimits

BOT_ID = 5550101
TOKEN = f"{BOT_ID}:n1-bench-burst"
FULL, QUICK = 10_000, 400
# Give up waiting for the outbox to empty after this long (a benchmark must end).
PATIENCE = 900.0


@dataclass(frozen=True)
class BurstFigures:
    """What one side of the burst did."""

    patients: int
    sent_once: int
    duplicated: int
    missed: int
    seconds: float
    # N1: seconds until the tick had fired everyone (the dispatcher sending meanwhile).
    ticked_seconds: float = 0.0


def tally(counts: Counter[int], users: list[int], seconds: float, ticked: float) -> BurstFigures:
    """Sent exactly once, duplicated and missed, per chat."""
    return BurstFigures(
        patients=len(users),
        sent_once=sum(1 for user in users if counts[user] == 1),
        duplicated=sum(1 for user in users if counts[user] > 1),
        missed=sum(1 for user in users if counts[user] == 0),
        seconds=seconds,
        ticked_seconds=ticked,
    )


async def n1_burst(patients: int) -> BurstFigures:
    """Everyone due now: tick and dispatch together until the outbox is settled."""
    async with (
        sandbox_in_process_of_its_own(bot_id=BOT_ID, limits=SandboxLimits.off()) as sandbox,
        database(SQLITE) as (url, engine),
    ):
        factory = create_session_factory(engine, bench_cipher())
        users = await populate(factory, patients)
        await sandbox.client.register_users(sandbox.client.user(user) for user in users)
        clock = FakeClock(DUE)
        signer = codec()
        async with initialized_bot(sandbox.url, TOKEN, url, clock) as application:
            dispatcher = Dispatcher(
                factory,
                TelegramSender(application.bot),
                clock=clock,
                lock=dispatch_lock_for(engine),
                codec=signer,
                # The running bot's settings, but for its pace (Telegram's limits are off).
                settings=DispatchSettings(limits=DeliveryLimits.unlimited()),
            )
            ticker = production_ticker(
                factory, engine, clock, on_queued=dispatcher.wake, pauses=True
            )
            stopping = False
            started = time.perf_counter()
            sending = asyncio.create_task(dispatcher.run(lambda: not stopping))
            try:
                while (await ticker.tick()).more_due:
                    pass
                ticked = time.perf_counter() - started
                if not await outbox_settled(factory, patience=PATIENCE):
                    raise RuntimeError(f"the outbox was not settled after {PATIENCE:g} s")
                seconds = time.perf_counter() - started
            finally:
                stopping = True
                dispatcher.wake()
                await sending
        counts = deliveries(await sandbox.client.events(), set(users))
    return tally(counts, users, seconds, ticked)


async def baseline_burst(patients: int, quick: bool) -> BurstFigures:
    """The per-user JobQueue bot's same-second burst (default misfire grace)."""
    started = time.perf_counter()
    sent = await jobqueue_bot.burst(patients, settle_seconds=2.0 if quick else 8.0)
    seconds = time.perf_counter() - started
    return tally(Counter(sent.by_patient), list(range(patients)), seconds, 0.0)


def figures(n1: BurstFigures, base: BurstFigures) -> list[Figure]:
    """The burst's figures."""
    n = n1.patients
    return [
        Figure("burst", f"sent exactly once (of {n:,})", float(n1.sent_once), "",
               baseline=float(base.sent_once), target=f"{n:,}", met=n1.sent_once == n),
        Figure("burst", "duplicated", float(n1.duplicated), "", baseline=float(base.duplicated),
               target="0", met=n1.duplicated == 0),
        Figure("burst", "missed", float(n1.missed), "", baseline=float(base.missed),
               target="0", met=n1.missed == 0),
        Figure("burst", "first tick until all sent (N1) / until the jobs ran (baseline)",
               n1.seconds, "s", baseline=base.seconds),
        Figure("burst", "of which until the tick had fired everyone", n1.ticked_seconds, "s"),
    ]  # fmt: skip


def expected(postgres: bool) -> int:
    """How many figures `run` writes."""
    del postgres
    return 5


def run(quick: bool) -> list[Figure]:
    """The burst benchmark's figures."""
    patients = QUICK if quick else FULL
    n1 = asyncio.run(n1_burst(patients))
    base = asyncio.run(baseline_burst(patients, quick))
    return figures(n1, base)


if __name__ == "__main__":
    use_bundled_tzdata()
    print(render(run("--quick" in sys.argv[1:])))
