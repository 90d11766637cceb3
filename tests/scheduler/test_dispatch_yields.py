"""The dispatcher never spins: on the demo's accelerated clock and on a fake clock, with
messages held back (quiet hours, a long flood wait), blocked chats, retries and a Sender that
never awaits anything, the event loop keeps running, and everything ends up settled.

Each scenario runs on an event loop of its own in a thread, with a deadline: a dispatcher that
spun without yielding would starve that loop, and the thread would miss the deadline instead
of hanging the test run.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import AcceleratedClock, Clock, FakeClock
from core.domain import OutboxKind, OutboxStatus
from core.ports import OutgoingMessage, SendResult, SendStatus
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from core.store.repositories import OutboxRepository
from core.store.repositories.outbox import NewOutboxMessage
from scheduler.dispatcher import Dispatcher
from scheduler.pacing import DeliveryLimits
from tests.keys import fixed_cipher
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    FakeSender,
    add_active_patient,
    make_dispatcher,
    outbox,
)

SessionFactory = async_sessionmaker[AsyncSession]
# Sunday 22:30 in London: inside the default quiet hours (21:00 to 08:00).
START = utc(2027, 1, 10, 22, 30)
# The demo's speed: 8 simulated hours per real second.
DEMO_SPEED = 28_800.0
DEADLINE_S = 60.0
# The longest the loop may go without running the heartbeat: generous, because a full
# garbage collection in a long test run or a busy machine also stalls it; a spin never ends.
MAX_STALL_S = 2.0
HELD_CHAT, BLOCKED_CHAT, FLAKY_CHAT = 7, 9, 11
BROADCAST_CHATS = range(100, 160)
SETTLED = {OutboxStatus.SENT, OutboxStatus.FAILED}


class NetworkSender(FakeSender):
    """A FakeSender whose sends take a moment, like a request over HTTP."""

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendResult:
        """Wait a little (real time), then answer as the FakeSender does."""
        await asyncio.sleep(0.001)
        return await super().send(chat_id, message)


class Heartbeat:
    """Beats every few milliseconds; the longest gap between beats is the loop's worst stall."""

    def __init__(self) -> None:
        self.beats = 0
        self.worst_gap = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.002)
            now = time.perf_counter()
            self.worst_gap = max(self.worst_gap, now - last)
            self.beats += 1
            last = now

    def __enter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


def in_own_loop(scenario: Callable[[], Coroutine[Any, Any, dict[str, Any]]]) -> dict[str, Any]:
    """Run `scenario` on a fresh event loop in a thread; fail if it misses the deadline."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome.update(asyncio.run(scenario()))
        except BaseException as error:  # reported to the test below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="dispatcher-scenario", daemon=True)
    thread.start()
    thread.join(DEADLINE_S)
    assert not thread.is_alive(), "the dispatcher starved its event loop (a spin?)"
    if "error" in outcome:
        raise outcome["error"]
    return outcome


async def _database(path: Path) -> tuple[Any, SessionFactory]:
    url = f"sqlite+aiosqlite:///{path / 'n1-yields.db'}"
    await upgrade(url)
    engine = create_engine(url)
    return engine, create_session_factory(engine, fixed_cipher())


async def _queue_everything(session_factory: SessionFactory, clock: Clock) -> None:
    """Broadcasts, two messages each for a held, a blocked and a flaky chat, and a late
    summary for someone in quiet hours."""
    patient = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    chats = [*BROADCAST_CHATS, *[HELD_CHAT, BLOCKED_CHAT, FLAKY_CHAT] * 2]
    messages = [
        NewOutboxMessage(
            idempotency_key="late-summary",
            chat_id=patient.chat_id,
            kind=OutboxKind.SUMMARY.value,
            payload=OutgoingMessage("summary").to_payload(),
            patient_id=patient.id,
        ),
        *(
            NewOutboxMessage(
                idempotency_key=f"yields:{n}",
                chat_id=chat,
                kind=OutboxKind.BROADCAST.value,
                payload=OutgoingMessage(f"m{n}").to_payload(),
            )
            for n, chat in enumerate(chats)
        ),
    ]
    async with session_factory.begin() as session:
        outbox_repository = OutboxRepository(session)
        # One at a time: the outbox's order (by id) is the order they were queued in.
        for message in messages:
            assert await outbox_repository.enqueue(message, clock.now())


def _script() -> Callable[[int, OutgoingMessage], SendResult | None]:
    """A long flood wait for one chat, a block for another, a 502 once for a third."""
    first = {HELD_CHAT: True, FLAKY_CHAT: True}

    def script(chat_id: int, message: OutgoingMessage) -> SendResult | None:
        if chat_id == BLOCKED_CHAT:
            return SendResult(SendStatus.BLOCKED, error="Forbidden")
        if first.get(chat_id):
            first[chat_id] = False
            if chat_id == HELD_CHAT:
                return SendResult(SendStatus.RETRY_AFTER, retry_after=30, error="RetryAfter")
            return SendResult(SendStatus.NOT_SENT, error="502")
        return None

    return script


async def _run_until(
    dispatcher: Dispatcher, done: Callable[[], Awaitable[bool]], real_seconds: float
) -> bool:
    """Run the dispatcher as the bot does until `done()` or the time is up; then stop it."""
    running = True
    task = asyncio.create_task(dispatcher.run(lambda: running))
    finished = False
    stop_at = time.perf_counter() + real_seconds
    while time.perf_counter() < stop_at:
        if await done():
            finished = True
            break
        await asyncio.sleep(0.02)
    running = False
    dispatcher.wake()
    await asyncio.wait_for(task, timeout=10)
    return finished


def _dispatcher(session_factory: SessionFactory, sender: FakeSender, clock: Clock) -> Dispatcher:
    # Telegram's real limits, small groups: many passes through the loop per message.
    return make_dispatcher(
        session_factory,
        sender,
        clock,
        limits=DeliveryLimits(),
        batch_size=16,
        write_batch=4,
        poll_seconds=0.05,
    )


def test_on_the_demos_accelerated_clock_the_dispatcher_yields_and_settles_everything(
    tmp_path: Path,
) -> None:
    async def scenario() -> dict[str, Any]:
        engine, session_factory = await _database(tmp_path)
        try:
            clock = AcceleratedClock(START, DEMO_SPEED)
            await _queue_everything(session_factory, clock)
            sender = NetworkSender(_script())
            dispatcher = _dispatcher(session_factory, sender, clock)

            async def all_settled() -> bool:
                return all(m.status in SETTLED for m in await outbox(session_factory))

            with Heartbeat() as heart:
                finished = await _run_until(dispatcher, all_settled, real_seconds=30)
            return {
                "finished": finished,
                "beats": heart.beats,
                "worst_gap": heart.worst_gap,
                "messages": await outbox(session_factory),
                "sent": [(chat, m.text) for chat, m in sender.sent],
            }
        finally:
            await engine.dispose()

    result = in_own_loop(scenario)
    assert result["finished"], "messages left unsettled"
    assert result["beats"] > 20
    assert result["worst_gap"] < MAX_STALL_S
    statuses = {m.idempotency_key: m.status for m in result["messages"]}
    assert statuses["late-summary"] is OutboxStatus.SENT  # after 08:00, 1.2 real seconds on
    sent = result["sent"]
    assert [text for chat, text in sent if chat == HELD_CHAT] == ["m60", "m63"]
    assert [text for chat, text in sent if chat == FLAKY_CHAT] == ["m62", "m65"]
    assert not [chat for chat, _ in sent if chat == BLOCKED_CHAT]
    assert len(sent) == len(set(sent)) == len(BROADCAST_CHATS) + 5


def test_on_a_fake_clock_held_messages_leave_the_loop_idle_not_spinning(tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        engine, session_factory = await _database(tmp_path)
        try:
            clock = FakeClock(START)
            await _queue_everything(session_factory, clock)
            sender = FakeSender(_script())
            dispatcher = _dispatcher(session_factory, sender, clock)

            async def never() -> bool:
                return False

            with Heartbeat() as heart:
                started = clock.now()
                # Fake time moves only by the pace's sleeps: the held chat, the 502's retry
                # and the summary stay due later, and the dispatcher must wait, not spin.
                await _run_until(dispatcher, never, real_seconds=1.5)
            return {
                "beats": heart.beats,
                "worst_gap": heart.worst_gap,
                "advanced": clock.now() - started,
                "messages": await outbox(session_factory),
            }
        finally:
            await engine.dispose()

    result = in_own_loop(scenario)
    assert result["beats"] > 50
    assert result["worst_gap"] < MAX_STALL_S
    assert result["advanced"] < timedelta(minutes=5)
    pending = {m.idempotency_key for m in result["messages"] if m.status is OutboxStatus.PENDING}
    # Still waiting: the summary (quiet hours), the held chat's two, the 502's retry and the
    # message after it in that chat (which must not overtake it).
    assert pending == {"late-summary", "yields:60", "yields:63", "yields:62", "yields:65"}
    assert all(m.status is not OutboxStatus.SENDING for m in result["messages"])
