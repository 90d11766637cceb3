"""The outbox dispatcher: delivers queued messages through a `Sender`, at Telegram's limits.

Guarantees: exactly-once enqueue (the outbox's idempotency key),
at-most-once send for anything ambiguous, and retries only when a send provably did not
happen (`scheduler.sending` says what each outcome means).

One dispatcher sends at a time (`scheduler.dispatch_lock`). A round streams the backlog:
it reads due messages (`scheduler.outbox_store`), marks a small group `sending` in one
transaction just before their turn, sends them at the pace `scheduler.pacing` sets (a busy
chat never holds up the others, each chat's messages stay in order), and records their
outcomes a group at a time. It reads and marks more while it sends. At most `max_sending`
messages are `sending` at once (marked, in flight, or sent and not yet recorded), which
bounds what a crash can leave in doubt: the next dispatcher to take the lock finds at most
that many still `sending`, and marks them `uncertain` instead of sending them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import Clock
from core.domain import OutboxMessage, Patient
from core.ports import Sender, SendResult, SendStatus
from scheduler.dispatch_lock import DispatchLock, LockState
from scheduler.outbox_store import Marked, OutboxStore
from scheduler.pacing import ChatOrder, DeliveryLimits, Pacer
from scheduler.sending import (
    DispatchReport,
    Outcome,
    RetryPolicy,
    not_now,
    outcome_of,
    quiet_hours_hold,
    send_one,
    with_chart,
)

logger = logging.getLogger(__name__)

_RECORD_TRIES = 3


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher paces, batches and retries."""

    limits: DeliveryLimits = field(default_factory=DeliveryLimits)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Messages read from the outbox at a time.
    batch_size: int = 50
    # Requests in flight at once (well below the HTTP pool, so replies always find one).
    concurrency: int = 8
    # At most this many messages are `sending` at once (see the module's docstring);
    # None means `concurrency`.
    max_sending: int | None = None
    # Marks and outcomes are written up to this many in one transaction.
    write_batch: int = 32
    # Real seconds an outcome may wait for others before it is recorded.
    settle_seconds: float = 0.25
    # Real seconds between looks at an idle outbox (a wake-up comes sooner).
    poll_seconds: float = 0.5
    # A message whose chat is held longer than this goes back to the queue meanwhile.
    hold_longer_than: float = 5.0

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1 or self.retry.max_attempts < 1:
            raise ValueError("batch_size, concurrency and max_attempts must be at least 1")
        if self.write_batch < 1 or (self.max_sending is not None and self.max_sending < 1):
            raise ValueError("write_batch and max_sending must be at least 1")

    @property
    def sending_limit(self) -> int:
        """How many messages may be `sending` at once."""
        return self.max_sending if self.max_sending is not None else self.concurrency


@dataclass
class _Round:
    """One dispatch round: what was read, what is marked, in flight and to be recorded."""

    report: DispatchReport
    # Read from the outbox and still pending there, oldest first.
    waiting: deque[OutboxMessage] = field(default_factory=deque)
    # Marked `sending`, not yet sent: (ready at, order, message); the order keeps one chat's
    # messages in sequence.
    ready: list[tuple[float, int, Marked]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # One send per chat at a time: keeps its order, and a 403 stops the ones after it.
    in_flight: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    # Real time (the event loop's) of the oldest outcome not yet recorded.
    oldest_outcome: float = 0.0
    # The people of scheduled messages, for the quiet-hours look just before sending.
    patients: dict[int, Patient] = field(default_factory=dict)
    chats: ChatOrder = field(default_factory=ChatOrder)
    order: itertools.count[int] = field(default_factory=itertools.count)
    # Whether the outbox may hold more due messages than were read.
    more: bool = True

    def sending(self) -> int:
        """Messages `sending` in the store because of this round."""
        return len(self.ready) + len(self.tasks) + len(self.outcomes)


class Dispatcher:
    """Drains the outbox through a `Sender`.

    Nothing the dispatcher writes waits for a send, and no send waits for a write unless the
    `max_sending` budget is used up. Every pass of its loop awaits something that yields to
    the event loop, so it never starves the rest of the bot (or spins on a simulated clock).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        clock: Clock,
        lock: DispatchLock,
        codec: CallbackCodec,
        settings: DispatchSettings | None = None,
        pace_clock: Clock | None = None,
        sent_by_kind: Counter[str] | None = None,
        draw_chart: Callable[[Mapping[str, Any]], Awaitable[bytes]] | None = None,
    ) -> None:
        """`codec` signs the buttons of check-ins rendered as they are sent; `draw_chart`
        draws the chart a weekly summary's payload refers to."""
        self._store = OutboxStore(session_factory, clock=clock, codec=codec)
        self._sender = sender
        self._clock = clock
        self._lock = lock
        self._draw_chart = draw_chart
        self.settings = settings or DispatchSettings()
        # Pacing runs on the same clock as the Bot API's limits (real time in production).
        self._pace = pace_clock or clock
        self._pacer = Pacer(self.settings.limits, self._pace.monotonic)
        self._sent_by_kind = sent_by_kind
        self._wake = asyncio.Event()
        self._should_run: Callable[[], bool] = _always
        self._group = min(self.settings.write_batch, self.settings.sending_limit)
        # Mark the next group when fewer than this many marked messages are left to send.
        self._low_water = max(1, self._group // 2)

    def wake(self) -> None:
        """Look at the outbox now (something was queued)."""
        self._wake.set()

    async def run(self, should_run: Callable[[], bool]) -> None:
        """Dispatch until `should_run()` is False; then let sends in flight finish, and
        give the lock up."""
        self._should_run = should_run
        try:
            while should_run():
                self._wake.clear()
                try:
                    report = await self.drain_once()
                except Exception:
                    logger.exception("dispatcher round failed; trying again shortly")
                    report = DispatchReport(held_lock=False)
                if report.held_lock and report.claimed:
                    await asyncio.sleep(0)  # a round of only held messages must not spin
                    continue
                delay = await self._idle_delay(report.held_lock)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
            self._should_run = _always
            await self._lock.release()

    async def close(self) -> None:
        """Give the lock up (when `run` was not used)."""
        await self._lock.release()

    async def drain(self, max_rounds: int = 1000) -> DispatchReport:
        """Dispatch rounds until nothing is due now (tests and tools)."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = await self.drain_once()
            total.add(report)
            total.held_lock = report.held_lock
            if not report.held_lock or not report.claimed:
                break
        return total

    async def drain_once(self) -> DispatchReport:
        """Read due messages and send them at the limits, reading more while there are."""
        report = DispatchReport()
        state = await self._lock.acquire()
        if state is LockState.NOT_HELD:
            report.held_lock = False
            return report
        if state is LockState.NEWLY_HELD:
            report.recovered_uncertain = await self._store.recover()
            if report.recovered_uncertain:
                logger.warning(
                    "%d message(s) were mid-send when a dispatcher stopped: marked uncertain",
                    report.recovered_uncertain,
                )
        round_ = _Round(report)
        await self._read(round_)
        if round_.waiting:
            await self._send_all(round_)
        return report

    # --- the round -----------------------------------------------------------------------

    async def _send_all(self, round_: _Round) -> None:
        """Send in order, at the pace; a busy chat does not hold up others.

        Every pass awaits something that yields: a database write, a send finishing, the
        pace clock's sleep, or `asyncio.sleep(0)`; a pass that can do nothing ends the round.
        """
        try:
            while self._should_run():
                acted = await self._top_up(round_)
                if round_.outcomes and self._record_due(round_):
                    await self._record(round_)
                    acted = True
                if round_.ready:
                    await self._send_next(round_)
                elif round_.tasks:
                    await asyncio.wait(round_.tasks, return_when=asyncio.FIRST_COMPLETED)
                elif round_.outcomes:
                    await self._record(round_)
                elif not acted:
                    break  # nothing waiting, marked, in flight or to record
        finally:
            await self._finish(round_)

    async def _read(self, round_: _Round) -> None:
        """Add the next due messages to the round (those it has not read yet)."""
        skip = {message.id for message in round_.waiting}
        read, round_.more = await self._store.read_due(
            skip, self.settings.batch_size, round_.patients
        )
        round_.report.claimed += len(read)
        round_.waiting.extend(read)

    async def _top_up(self, round_: _Round) -> bool:
        """Read more and mark the next group when they run low; True if it did either."""
        acted = False
        if round_.more and len(round_.waiting) < self.settings.batch_size // 2 + 1:
            await self._read(round_)
            acted = True
        if not round_.waiting or len(round_.ready) >= self._low_water:
            return acted
        wanted = min(self._group, len(round_.waiting))
        room = self.settings.sending_limit - round_.sending()
        if room < wanted and round_.outcomes:
            await self._record(round_)  # recording them makes room
            acted = True
            room = self.settings.sending_limit - round_.sending()
        count = min(room, wanted)
        # A group smaller than half is not worth a transaction unless nothing else is ready.
        if count > 0 and (count >= min(self._low_water, wanted) or not round_.ready):
            group = [round_.waiting.popleft() for _ in range(count)]
            marked, refused = await self._store.mark(group)
            for outcome in refused:
                self._outcome(round_, outcome)
            for item in marked:
                ready = self._pacer.ready_at(item.message.chat_id)
                heapq.heappush(round_.ready, (ready, next(round_.order), item))
            acted = True
        return acted

    async def _send_next(self, round_: _Round) -> None:
        """Look at the marked message whose turn is next: send it, wait for it, or put it
        back in the queue."""
        key, order, item = heapq.heappop(round_.ready)
        chat = item.message.chat_id
        previous = round_.in_flight.get(chat)
        if previous is not None and not previous.done():
            heapq.heappush(round_.ready, (key, order, item))
            await asyncio.wait({previous})
            return
        if round_.chats.blocked(chat):
            blocked = SendResult(SendStatus.BLOCKED, error="not sent: blocked")
            self._outcome(round_, Outcome(item.message, self._clock.now(), blocked))
            await asyncio.sleep(0)
            return
        now = self._pacer.now()
        held_for = self._pacer.chat_ready_at(chat) - now
        behind = round_.chats.behind(chat)
        if behind is not None or held_for > self.settings.hold_longer_than:
            # Back to the queue: its chat is held long, or an earlier message of the chat
            # went back (it must not overtake that one).
            until = self._clock.now() + timedelta(seconds=max(0.0, held_for))
            note = "chat held after a flood limit"
            if behind is not None:
                until, note = max(until, behind), "after an earlier message to the chat"
            self._outcome(round_, not_now(item.message, self._clock.now(), until, note))
            round_.report.requeued_held += 1
            await asyncio.sleep(0)
            return
        ready = self._pacer.ready_at(chat)
        if ready > key or ready > now or len(round_.tasks) >= self.settings.concurrency:
            # Not its turn yet: back in the heap under its new time, and wait for that time
            # (or for a send to finish); a 429 meanwhile is seen on the next look.
            heapq.heappush(round_.ready, (ready, order, item))
            if ready > key:
                await asyncio.sleep(0)
            elif ready > now:
                await self._pace.sleep(ready - now)
            else:
                await asyncio.wait(round_.tasks, return_when=asyncio.FIRST_COMPLETED)
            return
        self._pacer.take(chat)
        task = asyncio.create_task(self._deliver(round_, item))
        round_.tasks.add(task)
        task.add_done_callback(round_.tasks.discard)
        round_.in_flight[chat] = task
        # A long round sees thousands of chats: forget each one's send once it is done.
        task.add_done_callback(partial(_forget, round_.in_flight, chat))
        await asyncio.sleep(0)  # let the request start now

    async def _deliver(self, round_: _Round, item: Marked) -> None:
        message = item.message
        outgoing = await with_chart(message, item.outgoing, self._draw_chart)
        # Its turn may come late (a backlog, a chart to draw): look at the person's clock.
        now = self._clock.now()
        until = quiet_hours_hold(message, round_.patients, now)
        if until is not None:
            self._outcome(round_, not_now(message, now, until, "quiet hours"))
            return
        result = await send_one(self._sender, message.chat_id, outgoing)
        self._outcome(round_, outcome_of(message, result, self._clock.now(), self.settings.retry))

    def _outcome(self, round_: _Round, outcome: Outcome) -> None:
        """Act on an outcome at once (flood holds, blocked chats, the chat's order); record
        it with others."""
        chat, result = outcome.message.chat_id, outcome.result
        if result is not None:
            if result.status is SendStatus.RETRY_AFTER:
                self._pacer.flood(chat, result.retry_after)
            elif result.status is SendStatus.BLOCKED:
                round_.chats.block(chat)
            elif result.status is SendStatus.SENT:
                self._pacer.accepted()
                if self._sent_by_kind is not None:
                    self._sent_by_kind[outcome.message.kind] += 1
        if outcome.until is not None:
            round_.chats.put_back(chat, outcome.until)
        if not round_.outcomes:
            round_.oldest_outcome = asyncio.get_running_loop().time()
        round_.outcomes.append(outcome)

    def _record_due(self, round_: _Round) -> bool:
        """Whether the outcomes waiting to be recorded should be recorded now."""
        if len(round_.outcomes) >= self._group or not (round_.ready or round_.tasks):
            return True
        loop_time = asyncio.get_running_loop().time()
        return loop_time - round_.oldest_outcome >= self.settings.settle_seconds

    async def _record(self, round_: _Round) -> None:
        """Record the outcomes so far in one transaction (one at a time if that fails)."""
        outcomes, round_.outcomes = round_.outcomes, []
        if not outcomes:
            return
        for attempt in range(1, _RECORD_TRIES + 1):
            if await self._store.record(outcomes, round_.report):
                return
            if attempt < _RECORD_TRIES:
                await asyncio.sleep(0.05 * attempt)
        # One at a time: one outcome that cannot be written must not hold up the others.
        for outcome in outcomes:
            if not await self._store.record([outcome], round_.report):
                # Left `sending`: the next dispatcher to take the lock marks it uncertain.
                logger.error("could not record the outcome of outbox %d", outcome.message.id)

    async def _finish(self, round_: _Round) -> None:
        """Let sends in flight finish, put back what was marked and not sent, record all."""
        try:
            if round_.tasks:
                await asyncio.gather(*round_.tasks, return_exceptions=True)
            if round_.ready:
                unsent = [item.message for _, _, item in round_.ready]
                round_.ready.clear()
                await self._store.unclaim(unsent)
            await self._record(round_)
        finally:
            round_.chats.clear()

    async def _idle_delay(self, held: bool) -> float:
        poll = self.settings.poll_seconds
        if not held:
            return poll
        earliest = await self._store.earliest_pending()
        if earliest is None:
            return poll
        wait = (earliest - self._clock.now()).total_seconds()
        return min(poll, max(0.0, self._clock.real_seconds(wait)))


def _always() -> bool:
    return True


def _forget(in_flight: dict[int, asyncio.Task[None]], chat: int, task: asyncio.Task[None]) -> None:
    if in_flight.get(chat) is task:
        del in_flight[chat]
