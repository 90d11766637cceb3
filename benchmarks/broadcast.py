"""B4: a broadcast of 10,000 messages through the sandbox with Telegram's limits scaled up 10
times (300/s overall, 1/s per chat), 2% of people blocked and 0.5% of calls refused with an
injected 429, while an interactive reply goes out every 100 ms through the same bot.

N1: the messages are queued in the outbox (`OutboxRepository.enqueue_many`, as N1 queues
every message) and drained by `scheduler.dispatcher.Dispatcher.run`, sending with
`bot.sender.TelegramSender` over N1's own Bot API client (`application.bot` from
`bot.app.build_application`). Its settings are scaled like the sandbox's limits: a pace of
`DeliveryLimits(per_second=291, burst=2)` (97% of 300/s; the replies fill the rest), and,
for ten times the running bot's 25/s, more in flight than its defaults (16 sends at once,
64 messages `sending`, reads of 500). The replies use the same `application.bot`.
Baseline: PTB's AIORateLimiter, its overall rate scaled the same 10 times, everything else at
its defaults (`max_retries=0`), sending the same messages straight from a loop
(`benchmarks/baseline/aioratelimiter.py`).

The target is on the window: the `sendMessage` calls per second the sandbox received (the
broadcast's, the replies, refused ones too) over the 300/s limit, in the broadcast's steady
part (from 1 s after its first call until every person had their first try;
`benchmarks.call_log.steady_window_use`). Then: nothing lost but to the blocked, nothing
duplicated, and the replies' latency.

The sandbox runs in a process of its own for both sides (`benchmarks/sandbox_process.py`).
`python -m benchmarks.broadcast [N]` runs N1's side alone and prints its calls second by
second (the broadcast's time is set by the pace, not by CPU, so this is its profile).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select

from benchmarks.call_log import Second, calls_per_second, deliveries, steady_window_use
from benchmarks.harness import (
    SQLITE,
    SessionFactory,
    codec,
    database,
    initialized_bot,
    outbox_settled,
    percentile,
)
from benchmarks.keys import bench_cipher
from benchmarks.population import populate
from benchmarks.sandbox_process import SandboxProcess, sandbox_in_process_of_its_own
from benchmarks.table import Figure
from bot.sender import TelegramSender
from core.clock import SystemClock
from core.domain import OutboxKind
from core.heap import freeze_startup_heap
from core.ports import OutgoingMessage
from core.store.engine import create_session_factory
from core.store.repositories import OutboxRepository
from core.store.repositories.outbox import NewOutboxMessage
from core.store.tables import PatientRow
from core.zones import use_bundled_tzdata
from sandbox import SandboxClient, SandboxLimits
from scheduler.dispatch_lock import dispatch_lock_for
from scheduler.dispatcher import Dispatcher, DispatchSettings
from scheduler.pacing import DeliveryLimits

BOT_ID = 5550201
TOKEN = f"{BOT_ID}:n1-bench-broadcast"
FULL, QUICK = 10_000, 1_500
RATE: Final = 300  # Telegram's 30/s, scaled up 10 times
PACE: Final = 0.97  # of RATE, for N1's dispatcher; the replies use the rest
TARGET_USE: Final = 0.97
BLOCKED_EVERY = 50  # 2%
TOO_MANY_REQUESTS = 0.005
FIRST_USER = 20_000_000
REPLY_CHATS = 30  # interactive replies rotate over these chats (1/s per chat)
REPLY_EVERY = 0.1
REPLY_TEXT = "Thanks, noted."
BROADCAST_TEXT = "The clinic is closed on Friday."
# Give up waiting for the outbox to empty after this long (a benchmark must end).
PATIENCE = 600.0


@dataclass(frozen=True)
class BroadcastFigures:
    """What one side of the broadcast did."""

    messages: int
    seconds: float
    lost: int
    duplicated: int
    blocked: int
    too_many: int
    # sendMessage calls per second in the steady part, and that over the limit.
    calls_per_second: float
    window_use: float
    reply_p95: float
    replies: int
    replies_refused: int
    per_second: tuple[Second, ...] = ()


class Replies:
    """An interactive reply every 100 ms while the broadcast runs; keeps each one's latency,
    and counts the replies the Bot API refused (neither N1 nor the baseline retries them)."""

    def __init__(self, send: Callable[[int], Awaitable[Any]], chats: list[int]) -> None:
        self._send = send
        self._chats = chats
        self.latencies: list[float] = []
        self.refused = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    async def _one(self, chat_id: int) -> None:
        started = time.perf_counter()
        try:
            await self._send(chat_id)
        except Exception:  # a 429 (injected or the window's): the person gets no reply
            self.refused += 1
            return
        self.latencies.append(time.perf_counter() - started)

    async def _run(self) -> None:
        n = 0
        while True:
            task = asyncio.create_task(self._one(self._chats[n % len(self._chats)]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            n += 1
            await asyncio.sleep(REPLY_EVERY)

    def start(self) -> None:
        """Begin replying."""
        self._loop = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop replying and wait for replies in flight."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)


def sandbox_limits() -> SandboxLimits:
    """Telegram's flood limits, scaled up 10 times."""
    return SandboxLimits(global_per_second=RATE, private_chat_per_second=1, group_per_minute=200)


@contextlib.asynccontextmanager
async def sandbox_process() -> AsyncIterator[SandboxProcess]:
    """The sandbox in another process, with Telegram's limits scaled 10 times."""
    async with sandbox_in_process_of_its_own(bot_id=BOT_ID, limits=sandbox_limits()) as sandbox:
        yield sandbox


async def sandbox_setup(client: SandboxClient, users: list[int]) -> tuple[set[int], list[int]]:
    """Open everyone's chat; 2% have blocked the bot; some calls get a 429."""
    reply_chats = [FIRST_USER - 1 - n for n in range(REPLY_CHATS)]
    await client.register_users(client.user(user) for user in [*users, *reply_chats])
    blocked = set(users[::BLOCKED_EVERY])
    await client.set_blocked(blocked)
    await client.set_fault_rates(too_many_requests=TOO_MANY_REQUESTS, retry_after=1)
    return blocked, reply_chats


async def tally(
    client: SandboxClient, users: list[int], blocked: set[int], seconds: float, replies: Replies
) -> BroadcastFigures:
    """Count deliveries per chat and calls per second from the sandbox's call log."""
    events = await client.events()
    counts = deliveries(events, set(users))
    window = steady_window_use(events, set(users))
    return BroadcastFigures(
        messages=len(users),
        seconds=seconds,
        lost=sum(1 for user in users if user not in blocked and counts[user] == 0),
        duplicated=sum(1 for user in users if counts[user] > 1),
        blocked=len(blocked),
        too_many=sum(1 for e in events if e["status"] == 429),
        calls_per_second=window.per_second,
        window_use=window.of_limit(RATE),
        reply_p95=percentile(replies.latencies, 0.95),
        replies=len(replies.latencies),
        replies_refused=replies.refused,
        per_second=calls_per_second(events),
    )


async def _enqueue(factory: SessionFactory) -> None:
    """One broadcast message for everyone, queued as N1 queues messages."""
    now = SystemClock().now()
    async with factory() as session:
        people = (await session.execute(select(PatientRow.id, PatientRow.chat_id))).all()
    for start in range(0, len(people), 1_000):
        messages = [
            NewOutboxMessage(
                idempotency_key=f"broadcast:bench:{patient_id}",
                chat_id=chat_id,
                kind=OutboxKind.BROADCAST.value,
                payload=OutgoingMessage(BROADCAST_TEXT).to_payload(),
                patient_id=patient_id,
            )
            for patient_id, chat_id in people[start : start + 1_000]
        ]
        async with factory.begin() as session:
            await OutboxRepository(session).enqueue_many(messages, now)


async def n1_broadcast(messages: int) -> BroadcastFigures:
    """The outbox drained by N1's dispatcher at 97% of the overall limit."""
    clock = SystemClock()
    async with sandbox_process() as sandbox, database(SQLITE) as (url, engine):
        factory = create_session_factory(engine, bench_cipher())
        users = await populate(factory, messages, first_user=FIRST_USER)
        blocked, reply_chats = await sandbox_setup(sandbox.client, users)
        await _enqueue(factory)
        async with initialized_bot(sandbox.url, TOKEN, url, clock) as application:
            bot = application.bot
            dispatcher = Dispatcher(
                factory,
                TelegramSender(bot),
                clock=clock,
                lock=dispatch_lock_for(engine),
                codec=codec(),  # a broadcast has no buttons to sign; required all the same
                settings=DispatchSettings(
                    # A burst of 2 keeps the pace against late timers (at most 2 over the
                    # pace in any second).
                    limits=DeliveryLimits(per_second=RATE * PACE, burst=2),
                    # The running bot's defaults (8 in flight, 8 `sending`, reads of 50)
                    # are for its 25/s; at ten times the pace, more is kept in flight.
                    batch_size=500,
                    concurrency=16,
                    max_sending=64,
                ),
            )
            replies = Replies(lambda chat: bot.send_message(chat, REPLY_TEXT), reply_chats)
            # As `n1 run` does once it has started: a full collection over the benchmark's
            # own set-up otherwise stalls sending for tens of milliseconds.
            freeze_startup_heap()
            stopping = False
            try:
                started = time.perf_counter()
                replies.start()
                sending = asyncio.create_task(dispatcher.run(lambda: not stopping))
                await asyncio.sleep(0.5)
                if not await outbox_settled(factory, patience=PATIENCE):
                    raise RuntimeError(f"the outbox was not settled after {PATIENCE:g} s")
                seconds = time.perf_counter() - started
                await replies.stop()
                stopping = True
                dispatcher.wake()
                await sending
            finally:
                gc.unfreeze()
        return await tally(sandbox.client, users, blocked, seconds, replies)


def figures(n1: BroadcastFigures, base: BroadcastFigures) -> list[Figure]:
    """The broadcast's figures."""
    return [
        Figure("broadcast", f"window used in the steady part: sendMessage calls per second "
               f"(replies included) / {RATE}", n1.window_use, "", baseline=base.window_use,
               target=f">= {TARGET_USE:g}", met=n1.window_use >= TARGET_USE),
        Figure("broadcast", "sendMessage calls per second in the steady part",
               n1.calls_per_second, "/s", baseline=base.calls_per_second),
        Figure("broadcast", f"elapsed, {n1.messages:,} messages", n1.seconds, "s",
               baseline=base.seconds),
        Figure("broadcast", f"lost (excluding the {n1.blocked:,} blocked)", float(n1.lost), "",
               baseline=float(base.lost), target="0", met=n1.lost == 0),
        Figure("broadcast", "duplicated", float(n1.duplicated), "",
               baseline=float(base.duplicated), target="0", met=n1.duplicated == 0),
        Figure("broadcast", "429 answers received", float(n1.too_many), "",
               baseline=float(base.too_many)),
        Figure("broadcast", f"interactive reply p95 ({n1.replies} replies)", n1.reply_p95, "s",
               baseline=base.reply_p95, target="< 0.5 s (>= 1 reply)",
               met=n1.replies > 0 and n1.reply_p95 < 0.5),
        Figure("broadcast", "interactive replies refused (429)", float(n1.replies_refused), "",
               baseline=float(base.replies_refused)),
    ]  # fmt: skip


def expected(postgres: bool) -> int:
    """How many figures `run` writes."""
    del postgres
    return 8


def run(quick: bool) -> list[Figure]:
    """The broadcast benchmark's figures."""
    messages = QUICK if quick else FULL
    # The baseline is a plain PTB bot, so it lives in benchmarks/baseline (imported here,
    # not at the top, because it builds on this module's pieces).
    from benchmarks.baseline.aioratelimiter import baseline_broadcast

    n1 = asyncio.run(n1_broadcast(messages))
    base = asyncio.run(baseline_broadcast(messages))
    return figures(n1, base)


def main(argv: list[str]) -> int:
    """`python -m benchmarks.broadcast [N]`: N1's side only, with its calls per second."""
    f = asyncio.run(n1_broadcast(int(argv[0]) if argv else FULL))
    print(
        f"{f.messages:,} messages in {f.seconds:.2f} s; steady part {f.calls_per_second:.0f} "
        f"sendMessage calls/s = {f.window_use:.3f} of {RATE}/s; lost {f.lost}, duplicated "
        f"{f.duplicated}; reply p95 {f.reply_p95 * 1000:.0f} ms, {f.replies_refused} refused"
    )
    print("second  sendMessage calls  accepted  refused 403  refused 429")
    for s in f.per_second:
        print(f"{s.second:>6}  {s.calls:>17}  {s.accepted:>8}  {s.blocked:>11}  {s.too_many:>11}")
    return 0


if __name__ == "__main__":
    use_bundled_tzdata()
    sys.exit(main(sys.argv[1:]))
