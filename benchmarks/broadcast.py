"""B4: a broadcast of 10,000 messages through the sandbox with Telegram's limits scaled up 10
times (300/s overall, 1/s per chat), 2% of people blocked and some 429s injected.

N1: outbox rows drained by the dispatcher (paced at 97% of the overall limit). Baseline: PTB's
AIORateLimiter, its overall rate scaled the same 10 times and everything else at its defaults
(`max_retries=0`), sending the same messages straight from a loop. Meanwhile an interactive
reply goes out every 100 ms through the same bot; its latency is measured.

The sandbox runs in a process of its own for both sides (`benchmarks/sandbox_process.py`):
Telegram is never in the bot's process, and at 300 requests a second the sandbox's own work
would otherwise take the bot's CPU time and be measured as the bot's.

The broadcast's time is set by the pace, not by CPU, so its "profile" is the sandbox's call
log: `python -m benchmarks.broadcast [N]` runs N1's side and prints, second by second, the
`sendMessage` calls the sandbox received (replies included), how many it accepted, and how
many it refused with 403 (blocked) or 429.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select

from benchmarks.sandbox_process import SandboxProcess, sandbox_in_process_of_its_own
from benchmarks.table import Figure
from benchmarks.tick import codec, database, populate
from sandbox import SandboxClient, SandboxLimits
from sandbox.faults import SENDING_METHODS
from bot.sender import TelegramSender, reply_text, sandbox_bot
from core.clock import SystemClock
from core.domain import OutboxKind
from core.heap import freeze_startup_heap
from core.store.engine import create_session_factory
from core.store.tables import OutboxRow, PatientRow
from scheduler.dispatcher import Dispatcher, DispatchSettings, LocalLock
from scheduler.rate_limit import DeliveryLimits

BOT_ID = 5550201
TOKEN = f"{BOT_ID}:n1-bench-broadcast"
FULL, QUICK = 10_000, 600
RATE = 300  # Telegram's 30/s, scaled up 10 times
BLOCKED_EVERY = 50  # 2%
TOO_MANY_REQUESTS = 0.005
FIRST_USER = 20_000_000
REPLY_CHATS = 30  # interactive replies rotate over these chats (1/s per chat)
REPLY_EVERY = 0.1
REPLY_TEXT = "Thanks, noted."


@dataclass(frozen=True)
class BroadcastFigures:
    """What one side of the broadcast did."""

    messages: int
    seconds: float
    lost: int
    duplicated: int
    blocked: int
    reply_p95: float
    replies: int
    too_many: int
    # Second from the first send -> sendMessage calls, accepted, refused 403, refused 429.
    per_second: tuple[tuple[int, int, int, int, int], ...] = ()

    @property
    def ratio(self) -> float:
        """Elapsed time over the physical minimum N / rate."""
        return self.seconds / (self.messages / RATE)


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


class Replies:
    """An interactive reply every 100 ms while the broadcast runs; keeps each latency."""

    def __init__(self, send: Callable[[int], Awaitable[Any]], chats: list[int]) -> None:
        self._send = send
        self._chats = chats
        self.latencies: list[float] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    async def _one(self, chat_id: int) -> None:
        started = time.perf_counter()
        await self._send(chat_id)  # waits out flood limits itself
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
async def sandbox_process(
    *, bot_id: int = BOT_ID, limits: SandboxLimits | None = None
) -> AsyncIterator[SandboxProcess]:
    """The sandbox in another process, by default with Telegram's limits scaled 10 times."""
    async with sandbox_in_process_of_its_own(
        bot_id=bot_id, limits=limits or sandbox_limits()
    ) as sandbox:
        yield sandbox


async def sandbox_setup(client: SandboxClient, users: list[int]) -> tuple[set[int], list[int]]:
    """Open everyone's chat; 2% have blocked the bot; some calls get a 429."""
    reply_chats = [FIRST_USER - 1 - n for n in range(REPLY_CHATS)]
    await client.register_users(client.user(user) for user in [*users, *reply_chats])
    blocked = set(users[::BLOCKED_EVERY])
    await client.set_blocked(blocked)
    await client.set_fault_rates(too_many_requests=TOO_MANY_REQUESTS, retry_after=1)
    return blocked, reply_chats


def deliveries(events: list[dict[str, Any]], chats: set[int]) -> Counter[int]:
    """Successful sends per chat (of `chats`) in the sandbox's call log."""
    return Counter(
        int(e["chat_id"])
        for e in events
        if e["ok"] and str(e["method"]).lower() in SENDING_METHODS and e["chat_id"] in chats
    )


async def tally(
    client: SandboxClient,
    users: list[int],
    blocked: set[int],
    seconds: float,
    replies: Replies,
) -> BroadcastFigures:
    """Count deliveries per chat from the sandbox's call log."""
    events = await client.events()
    counts = deliveries(events, set(users))
    reachable = [u for u in users if u not in blocked]
    too_many = sum(1 for e in events if e["status"] == 429)
    return BroadcastFigures(
        messages=len(users),
        seconds=seconds,
        lost=sum(1 for u in reachable if counts[u] == 0),
        duplicated=sum(1 for u in users if counts[u] > 1),
        blocked=len(blocked),
        reply_p95=_p95(replies.latencies),
        replies=len(replies.latencies),
        too_many=too_many,
        per_second=calls_per_second(events),
    )


def calls_per_second(events: list[dict[str, Any]]) -> tuple[tuple[int, int, int, int, int], ...]:
    """`sendMessage` calls per second of the sandbox's clock, from the first: (second, calls,
    accepted, refused 403, refused 429)."""
    sends = [e for e in events if str(e["method"]).lower() == "sendmessage"]
    if not sends:
        return ()
    first = min(float(e["monotonic"]) for e in sends)
    seconds: dict[int, list[int]] = {}
    for event in sends:
        counts = seconds.setdefault(int(float(event["monotonic"]) - first), [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += bool(event["ok"])
        counts[2] += event["status"] == 403
        counts[3] += event["status"] == 429
    return tuple((second, c[0], c[1], c[2], c[3]) for second, c in sorted(seconds.items()))


async def n1_broadcast(messages: int) -> BroadcastFigures:
    """The outbox drained by N1's dispatcher at 97% of the overall limit."""
    clock = SystemClock()
    async with sandbox_process() as sandbox, database() as (_, engine):
        factory = create_session_factory(engine)
        users = await populate(factory, messages, first_user=FIRST_USER)
        blocked, reply_chats = await sandbox_setup(sandbox.client, users)
        now = clock.now()
        await _enqueue(factory, now)
        bot = sandbox_bot(TOKEN, sandbox.base_url, sandbox.file_url)
        async with bot:
            dispatcher = Dispatcher(
                factory,
                TelegramSender(bot),
                clock=clock,
                lock=LocalLock(),
                settings=DispatchSettings(
                    # A burst of 2 keeps the pace against late timers (at most 2 over the
                    # pace in any second); up to 64 messages in doubt if the bot died.
                    limits=DeliveryLimits(per_second=RATE * 0.97, burst=2),
                    batch_size=500,
                    concurrency=16,
                    max_sending=64,
                ),
                codec=codec(),  # a broadcast has no buttons to sign; required all the same
            )
            replies = Replies(lambda chat: reply_text(bot, chat, REPLY_TEXT), reply_chats)
            # As the running bot does once it has started: a full collection over the
            # benchmark's own set-up (10,000 people) otherwise stalls sending for ~90 ms.
            freeze_startup_heap()
            try:
                started = time.perf_counter()
                replies.start()
                while await _pending(factory):
                    await dispatcher.drain(max_rounds=100_000)
                    await asyncio.sleep(0.02)
                seconds = time.perf_counter() - started
                await replies.stop()
                await dispatcher.close()
            finally:
                gc.unfreeze()  # the next benchmark in this process starts from a normal heap
        return await tally(sandbox.client, users, blocked, seconds, replies)


async def _enqueue(factory: Any, now: datetime) -> None:
    async with factory.begin() as session:
        people = (await session.execute(select(PatientRow.id, PatientRow.chat_id))).all()
        rows = [
            {
                "idempotency_key": f"broadcast:bench:{patient_id}",
                "patient_id": patient_id,
                "chat_id": chat_id,
                "kind": OutboxKind.BROADCAST.value,
                "payload": {"text": "The clinic is closed on Friday."},
                "status": "pending",
                "attempts": 0,
                "not_before_at": now,
                "created_at": now,
            }
            for patient_id, chat_id in people
        ]
        await session.execute(insert(cast(Table, OutboxRow.__table__)), rows)


async def _pending(factory: Any) -> int:
    async with factory() as session:
        statement = select(func.count()).where(OutboxRow.status.in_(("pending", "sending")))
        return int((await session.execute(statement.select_from(OutboxRow))).scalar_one())


def run(quick: bool) -> list[Figure]:
    """The broadcast benchmark's figures."""
    messages = QUICK if quick else FULL
    # The baseline is a plain PTB bot, so it lives in benchmarks/baseline (imported here,
    # not at the top, because it builds on this module's pieces).
    from benchmarks.baseline.aioratelimiter import baseline_broadcast

    n1 = asyncio.run(n1_broadcast(messages))
    base = asyncio.run(baseline_broadcast(messages))
    return [
        Figure("broadcast", f"elapsed, {messages:,} messages", n1.seconds, "s",
               baseline=base.seconds),
        Figure("broadcast", f"elapsed / physical minimum ({messages / RATE:.0f} s)", n1.ratio, "",
               baseline=base.ratio, target="<= 1.03", met=n1.ratio <= 1.03),
        Figure("broadcast", "lost (excluding the 2% blocked)", float(n1.lost), "",
               baseline=float(base.lost), target="0", met=n1.lost == 0),
        Figure("broadcast", "duplicated", float(n1.duplicated), "",
               baseline=float(base.duplicated), target="0", met=n1.duplicated == 0),
        Figure("broadcast", "429 answers received", float(n1.too_many), "",
               baseline=float(base.too_many)),
        Figure("broadcast", f"interactive reply p95 ({n1.replies} replies)", n1.reply_p95, "s",
               baseline=base.reply_p95, target="< 0.5 s", met=n1.reply_p95 < 0.5),
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    """`python -m benchmarks.broadcast [N]`: N1's side only, with its call log per second."""
    figures = asyncio.run(n1_broadcast(int(argv[0]) if argv else FULL))
    print(
        f"{figures.messages:,} messages in {figures.seconds:.2f} s: {figures.ratio:.3f} of "
        f"the physical minimum; lost {figures.lost}, duplicated {figures.duplicated}"
    )
    print("second  sendMessage calls  accepted  refused 403  refused 429")
    for second, calls, accepted, blocked, too_many in figures.per_second:
        print(f"{second:>6}  {calls:>17}  {accepted:>8}  {blocked:>11}  {too_many:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
