"""B6: button answers through the real PTB application (long polling against the sandbox)
into the store: answers per second, and the latency from a tap to its callback answer.

Every person gets a check-in (ticked and sent before the taps), then simulated users tap the
first answer on their check-in, a few at a time; a tap's latency runs from the press to the
moment the sandbox has N1's answer to the callback query. The answers are then counted in
the store.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.table import Figure
from benchmarks.tick import DUE, JOINED, populate
from bot.app import build_application, running_bot
from bot.sandbox import BotApiSandbox, SandboxClient, SandboxLimits, SimulatedUser
from bot.sender import TelegramSender
from core.clock import FakeClock
from core.settings import load_settings
from core.store.tables import AnswerRow
from messages.catalogue import load_catalogue
from scheduler.dispatcher import Dispatcher, DispatchSettings, LocalLock
from scheduler.rate_limit import DeliveryLimits
from scheduler.tick import Ticker

BOT_ID = 5550301
TOKEN = f"{BOT_ID}:n1-bench-answers"
FULL, QUICK = 2_000, 200
CONCURRENT = 16
FIRST_USER = 30_000_000


@dataclass(frozen=True)
class AnswerFigures:
    """What the answers benchmark measured."""

    taps: int
    seconds: float
    p50: float
    p95: float
    stored: int

    @property
    def per_second(self) -> float:
        """Answers per second."""
        return self.taps / self.seconds if self.seconds else 0.0


async def measure(taps: int) -> AnswerFigures:
    """Check-ins for `taps` people, then one tap each, `CONCURRENT` people at a time."""
    clock = FakeClock(JOINED)
    with tempfile.TemporaryDirectory(prefix="n1-bench-answers-") as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'answers.db'}"
        async with (
            BotApiSandbox(clock=clock, limits=SandboxLimits.off()) as sandbox,
            SandboxClient(sandbox.url, bot_id=BOT_ID) as client,
        ):
            settings = load_settings(
                _env_file=None,
                bot_token=TOKEN,
                database_url=url,
                telegram_api_url=sandbox.base_url,
                telegram_file_url=sandbox.file_url,
            )
            catalogue = load_catalogue()
            application = build_application(settings, clock, token=TOKEN, catalogue=catalogue)
            async with running_bot(application) as services:
                factory = services.session_factory
                users = await populate(factory, taps, first_user=FIRST_USER)
                people = [client.user(user) for user in users]
                await client.register_users(people)
                clock.set(DUE)
                ticker = Ticker(
                    factory, clock=clock, codec=services.codec, catalogue=catalogue,
                    max_batches=100_000,
                )  # fmt: skip
                while (await ticker.tick()).more_due:
                    pass
                dispatcher = Dispatcher(
                    factory,
                    TelegramSender(application.bot),
                    clock=clock,
                    lock=LocalLock(),
                    settings=DispatchSettings(limits=DeliveryLimits.unlimited()),
                )
                await dispatcher.drain(max_rounds=100_000)
                await dispatcher.close()
                labels = [(await person.last_message()).labels[2] for person in people[:1]]
                latencies = await _tap_all(people, labels[0])
                async with factory() as session:
                    stored = await session.scalar(select(func.count()).select_from(AnswerRow))
    seconds, each = latencies
    return AnswerFigures(
        taps=taps,
        seconds=seconds,
        p50=statistics.median(each),
        p95=sorted(each)[min(len(each) - 1, int(0.95 * len(each)))],
        stored=int(stored or 0),
    )


async def _tap_all(people: list[SimulatedUser], label: str) -> tuple[float, list[float]]:
    queue: asyncio.Queue[SimulatedUser] = asyncio.Queue()
    for person in people:
        queue.put_nowait(person)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            person = queue.get_nowait()
            started = time.perf_counter()
            await person.press(label)
            await person.wait_for_answers(1, timeout=30.0)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
    return time.perf_counter() - started, latencies


def run(quick: bool) -> list[Figure]:
    """The answers benchmark's figures (SQLite)."""
    taps = QUICK if quick else FULL
    f = asyncio.run(measure(taps))
    return [
        Figure("answers", f"answers per second ({taps:,} taps, SQLite)", f.per_second, "/s",
               target=">= 500/s", met=f.per_second >= 500),
        Figure("answers", "tap to callback answer, p50", f.p50 * 1000, "ms"),
        Figure("answers", "tap to callback answer, p95", f.p95 * 1000, "ms",
               target="< 50 ms", met=f.p95 < 0.05),
        Figure("answers", "answers stored", float(f.stored), "", target=f"{taps:,}",
               met=f.stored == taps),
    ]  # fmt: skip
