"""B3: 10,000 patients due in the same second, through N1's tick and dispatcher to the sandbox,
against the per-user JobQueue bot with PTB's default settings."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass

from benchmarks.baseline import jobqueue_bot
from benchmarks.broadcast import deliveries, sandbox_process
from benchmarks.table import Figure
from benchmarks.tick import DUE, JOINED, codec, database, populate
from sandbox import SandboxLimits
from bot.sender import TelegramSender, sandbox_bot
from core.clock import FakeClock
from core.store.engine import create_session_factory
from scheduler.dispatcher import Dispatcher, DispatchSettings, LocalLock
from scheduler.rate_limit import DeliveryLimits
from scheduler.tick import Ticker

BOT_ID = 5550101
TOKEN = f"{BOT_ID}:n1-bench-token"
FULL, QUICK = 10_000, 400


@dataclass(frozen=True)
class BurstFigures:
    """What one side of the burst did."""

    patients: int
    sent_once: int
    duplicated: int
    missed: int
    seconds: float


def _tally(counts: Counter[int], users: list[int], seconds: float) -> BurstFigures:
    once = sum(1 for user in users if counts[user] == 1)
    duplicated = sum(1 for user in users if counts[user] > 1)
    missed = sum(1 for user in users if counts[user] == 0)
    return BurstFigures(len(users), once, duplicated, missed, seconds)


async def n1_burst(patients: int) -> BurstFigures:
    """Tick until nothing is due, drain the outbox to the sandbox, count deliveries per chat.

    The sandbox runs in a process of its own, as in the broadcast benchmark: Telegram's
    work is never the bot's.
    """
    async with (
        sandbox_process(bot_id=BOT_ID, limits=SandboxLimits.off()) as sandbox,
        database() as (_, engine),
    ):
        client = sandbox.client
        factory = create_session_factory(engine)
        users = await populate(factory, patients)
        await client.register_users(client.user(user) for user in users)
        clock = FakeClock(DUE)
        signer = codec()
        bot = sandbox_bot(TOKEN, sandbox.base_url, sandbox.file_url)
        async with bot:
            # As the running bot: the dispatcher renders the check-ins just before sending.
            ticker = Ticker(factory, clock=clock, codec=signer, max_batches=10_000)
            dispatcher = Dispatcher(
                factory,
                TelegramSender(bot),
                clock=clock,
                lock=LocalLock(),
                settings=DispatchSettings(
                    limits=DeliveryLimits.unlimited(),
                    batch_size=200,
                    concurrency=16,
                    # As in the broadcast: marks and outcomes written 32 at a time.
                    max_sending=64,
                ),
                codec=signer,
            )
            started = time.perf_counter()
            while (await ticker.tick()).more_due:
                pass
            await dispatcher.drain(max_rounds=100_000)
            seconds = time.perf_counter() - started
            await dispatcher.close()
        counts = deliveries(await client.events(), set(users))
    assert JOINED < DUE
    return _tally(counts, users, seconds)


async def baseline_burst(patients: int, quick: bool) -> BurstFigures:
    """The per-user JobQueue bot's same-second burst (default misfire grace)."""
    started = time.perf_counter()
    sent = await jobqueue_bot.burst(patients, settle_seconds=2.0 if quick else 8.0)
    seconds = time.perf_counter() - started
    return _tally(Counter(sent.by_patient), list(range(patients)), seconds)


def run(quick: bool) -> list[Figure]:
    """The burst benchmark's figures."""
    patients = QUICK if quick else FULL
    n1 = asyncio.run(n1_burst(patients))
    base = asyncio.run(baseline_burst(patients, quick))
    return [
        Figure("burst", f"sent exactly once (of {patients:,})", float(n1.sent_once), "",
               baseline=float(base.sent_once), target=f"{patients:,}",
               met=n1.sent_once == patients),
        Figure("burst", "duplicated", float(n1.duplicated), "", baseline=float(base.duplicated),
               target="0", met=n1.duplicated == 0),
        Figure("burst", "missed", float(n1.missed), "", baseline=float(base.missed),
               target="0", met=n1.missed == 0),
        Figure("burst", "tick + send all (N1) / wait (baseline)", n1.seconds, "s",
               baseline=base.seconds),
    ]  # fmt: skip
