"""The outbox dispatcher: delivers queued messages through a `Sender`, at Telegram's limits.

Guarantees (scale.md sections 2-3): exactly-once enqueue (the outbox's idempotency key),
at-most-once send for anything ambiguous, and retries only when a send provably did not
happen. Per outcome:
- sent: recorded with Telegram's message id (and on the check-in, so taps can be checked
  against the message; its nudge is planned from the moment of delivery);
- 429: back in the queue after `retry_after`, without using up an attempt, never dropped;
- not sent (5xx, connection refused): retried with exponential backoff, then failed;
- uncertain (a timeout after the request went out): recorded and never resent;
- blocked (403): failed, and the person becomes unreachable until they come back;
- rejected (400): failed.

One dispatcher sends at a time: a PostgreSQL advisory lock picks it among processes (SQLite
runs in one process). Messages are marked `sending` (only if still pending) a small group at
a time just before their turn, and their outcomes are recorded a group at a time: two
transactions per group, not per message. At most `max_sending` messages (by default the
`concurrency`, what was in flight before) are `sending` at once, marked or in flight or sent
and not yet recorded; so if the process dies, the next dispatcher to take the lock finds at
most that many still `sending`, and marks them `uncertain` instead of sending them again.

A check-in the tick queued unrendered (naming only its check-in) is rendered and signed when
its group is marked, from the check-in as stored (a few reads per group, in the marking
transaction); if its check-in is gone by then (the person erased their data), it is not sent
and its row is marked failed. A summary's chart is likewise drawn just before it is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import Enum
from functools import partial
from typing import Any, Final, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import Clock
from core.domain import OutboxKind, OutboxMessage, Patient
from core.ports import OutgoingMessage, Sender, SendResult, SendStatus
from core.store.repositories import (
    CheckInRepository,
    DeliveryRepository,
    OutboxRepository,
    PatientRepository,
)
from core.store.repositories.outbox import SentMessage
from messages.checkin_message import CheckInState, render_checkin
from scheduler.checkins import CHECK_IN_KEY, states_for_sending, to_render_at_send
from scheduler.nudges import schedule_first_nudge
from scheduler.planning import end_of_quiet_hours, in_quiet_hours
from scheduler.rate_limit import DeliveryLimits, RateLimiter
from scheduler.reachability import mark_unreachable
from scheduler.schedules import parse_hhmm, patient_zone
from scheduler.summary_charts import CHART_KEY

logger = logging.getLogger(__name__)

# The advisory lock key for "the dispatcher" ("N1DISP" in ASCII).
DISPATCH_LOCK_KEY: Final = 0x4E31_4449_5350
RECOVERED_ERROR: Final = "dispatcher stopped mid-send; may have been delivered"


def _quiet_until(patient: Patient, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if they are in them now."""
    start, end = parse_hhmm(patient.quiet_start), parse_hhmm(patient.quiet_end)
    zone = patient_zone(patient)
    if not in_quiet_hours(now, start, end, zone):
        return None
    return end_of_quiet_hours(now, start, end, zone)


# Messages N1 sends on its own schedule: these wait out a person's quiet hours.
_SCHEDULED: Final = frozenset(
    kind.value
    for kind in (OutboxKind.CHECKIN, OutboxKind.NUDGE, OutboxKind.SUMMARY, OutboxKind.DOOR_OPEN)
)
# 429s from this many different chats within a second mean the bot-wide limit was hit.
_GLOBAL_FLOOD_CHATS: Final = 3
_SETTLE_TRIES: Final = 3
# A message put back behind an earlier one of its chat goes this much after it.
_AFTER: Final = timedelta(microseconds=1)


class LockState(Enum):
    """Whether this process may dispatch."""

    NOT_HELD = "not_held"
    HELD = "held"
    # Just taken: whatever another dispatcher left `sending` must be settled first.
    NEWLY_HELD = "newly_held"


class DispatchLock(Protocol):
    """Makes sure only one dispatcher sends at a time."""

    async def acquire(self) -> LockState:
        """Take (or confirm) the lock."""
        ...

    async def release(self) -> None:
        """Give the lock up."""
        ...


class LocalLock:
    """The lock for SQLite, where one process does the dispatching."""

    def __init__(self) -> None:
        self._held = False

    async def acquire(self) -> LockState:
        """Always held; newly on the first call."""
        if self._held:
            return LockState.HELD
        self._held = True
        return LockState.NEWLY_HELD

    async def release(self) -> None:
        """Forget the lock (a later acquire recovers again)."""
        self._held = False


class PostgresAdvisoryLock:
    """A session-level PostgreSQL advisory lock on a connection kept for this purpose.

    If the process dies, PostgreSQL ends its session and so frees the lock for another.
    """

    def __init__(self, engine: AsyncEngine, key: int = DISPATCH_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> LockState:
        """Check the held connection is alive, or try to take the lock."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return LockState.HELD
            except Exception:
                logger.warning("dispatcher lost its database connection, and so its lock")
                await self._drop()
        connection = await self._engine.connect()
        try:
            # Autocommit: holding the lock must not hold a transaction open for hours.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            if result.scalar():
                self._connection = connection
                return LockState.NEWLY_HELD
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        return LockState.NOT_HELD

    async def release(self) -> None:
        """Unlock and return the connection."""
        if self._connection is None:
            return
        try:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
            )
        except Exception:
            logger.warning("could not unlock the dispatcher lock; closing its connection")
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                logger.warning("could not close the dispatcher lock connection")


def dispatch_lock_for(engine: AsyncEngine) -> DispatchLock:
    """The right lock for the engine's database."""
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    return LocalLock()


@dataclass(frozen=True)
class DispatchSettings:
    """How the dispatcher paces, batches and retries."""

    limits: DeliveryLimits = field(default_factory=DeliveryLimits)
    # Messages read from the outbox at a time.
    batch_size: int = 50
    # Requests in flight at once (well below the HTTP pool, so replies always find one).
    concurrency: int = 8
    # At most this many messages are `sending` at once: marked just before their turn, in
    # flight, or sent and not yet recorded. It bounds what a crash can leave `uncertain`
    # (never resent); None means `concurrency`, which is what a crash could leave before
    # marks and outcomes were written a group at a time.
    max_sending: int | None = None
    # Marks and outcomes are written up to this many in one transaction.
    write_batch: int = 32
    # Real seconds an outcome may wait for others before it is recorded.
    settle_seconds: float = 0.25
    # Attempts that provably did not reach Telegram (5xx, refused) before giving up.
    max_attempts: int = 5
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 300.0
    # Real seconds between looks at an idle outbox (a wake-up comes sooner).
    poll_seconds: float = 0.5
    # A message whose chat is held longer than this goes back to the queue meanwhile.
    hold_longer_than: float = 5.0

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.concurrency < 1 or self.max_attempts < 1:
            raise ValueError("batch_size, concurrency and max_attempts must be at least 1")
        if self.write_batch < 1 or (self.max_sending is not None and self.max_sending < 1):
            raise ValueError("write_batch and max_sending must be at least 1")

    @property
    def sending_limit(self) -> int:
        """How many messages may be `sending` at once."""
        return self.max_sending if self.max_sending is not None else self.concurrency

    def retry_delay(self, attempts: int) -> float:
        """Seconds before another try after `attempts` failed ones (exponential, capped)."""
        return min(self.retry_max_seconds, self.retry_base_seconds * 2.0 ** max(0, attempts - 1))


@dataclass
class DispatchReport:
    """What the dispatcher did (counts only)."""

    held_lock: bool = True
    recovered_uncertain: int = 0
    claimed: int = 0
    sent: int = 0
    flood_waits: int = 0
    retried: int = 0
    requeued_held: int = 0
    uncertain: int = 0
    blocked: int = 0
    failed: int = 0

    def add(self, other: DispatchReport) -> None:
        """Add another report's counts to this one."""
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, item.name, value + getattr(other, item.name))


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What became of a message marked `sending`, waiting to be recorded."""

    message: OutboxMessage
    at: datetime
    # None: it was not sent, and goes back to the queue until `until` (attempt given back).
    result: SendResult | None
    until: datetime | None = None
    note: str = ""


@dataclass
class _Round:
    """One dispatch round: what was read, what is marked, in flight and to be recorded."""

    report: DispatchReport
    # Read from the outbox and still pending there, oldest first.
    waiting: deque[OutboxMessage] = field(default_factory=deque)
    # Marked `sending`, not yet sent: (ready at, order, message); the order keeps one chat's
    # messages in sequence.
    ready: list[tuple[float, int, OutboxMessage]] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # One send per chat at a time: keeps its order, and a 403 stops the ones after it.
    in_flight: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    outcomes: list[_Outcome] = field(default_factory=list)
    # Real time (the event loop's) of the oldest outcome not yet recorded.
    oldest_outcome: float = 0.0
    # The people of scheduled messages, for the quiet-hours look just before sending.
    patients: dict[int, Patient] = field(default_factory=dict)
    # Check-ins queued unrendered, rendered when their group was marked: outbox id -> message.
    rendered: dict[int, OutgoingMessage] = field(default_factory=dict)
    order: itertools.count[int] = field(default_factory=itertools.count)
    # Whether the outbox may hold more due messages than were read.
    more: bool = True

    def sending(self) -> int:
        """Messages `sending` in the store because of this round."""
        return len(self.ready) + len(self.tasks) + len(self.outcomes)


class Dispatcher:
    """Drains the outbox through a `Sender`.

    A round reads due messages, marks a group of them `sending` in one transaction just
    before their turn, sends them at the limits, and records their outcomes a group at a
    time; it reads more while it sends, so a backlog streams without stopping between
    batches. Nothing the dispatcher writes waits for a send, and no send waits for a write
    unless the `max_sending` budget is used up. Every pass of its loop awaits something that
    yields to the event loop, so it never starves the rest of the bot (or spins on a
    simulated clock).
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        sender: Sender,
        *,
        clock: Clock,
        lock: DispatchLock,
        settings: DispatchSettings | None = None,
        pace_clock: Clock | None = None,
        sent_by_kind: Counter[str] | None = None,
        draw_chart: Callable[[dict[str, Any]], Awaitable[bytes]] | None = None,
        codec: CallbackCodec,
    ) -> None:
        """`codec` signs the buttons of the check-ins the tick queued unrendered."""
        self._session_factory = session_factory
        # Draws the chart a weekly summary's payload refers to, right before it is sent.
        self._draw_chart = draw_chart
        self._codec = codec
        self._sender = sender
        self._clock = clock
        self._lock = lock
        self.settings = settings or DispatchSettings()
        # Pacing runs on the same clock as the Bot API's limits (real time in production).
        self._pace = pace_clock or clock
        self._limiter = RateLimiter(self.settings.limits, self._pace.monotonic)
        self._sent_by_kind = sent_by_kind
        self._wake = asyncio.Event()
        # 429s since the last accepted send: (pace time, chat).
        self._floods: deque[tuple[float, int]] = deque()
        # Chats that answered 403 in the current round: their other messages are not sent.
        self._blocked_chats: set[int] = set()
        # Chats with a message put back in the queue this round (a 429, a retry, a long
        # hold): their later messages go back too, just after it, to keep the chat's order.
        self._put_back: dict[int, datetime] = {}
        self._should_run: Callable[[], bool] = _always
        group = min(self.settings.write_batch, self.settings.sending_limit)
        self._group = group
        # Mark the next group when fewer than this many marked messages are left to send.
        self._low_water = max(1, group // 2)

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
            async with self._session_factory.begin() as session:
                report.recovered_uncertain = await DeliveryRepository(session).recover_sending(
                    error=RECOVERED_ERROR
                )
            if report.recovered_uncertain:
                logger.warning(
                    "%d message(s) were mid-send when a dispatcher stopped: marked uncertain",
                    report.recovered_uncertain,
                )
        state_of_round = _Round(report)
        await self._read_due(state_of_round)
        if state_of_round.waiting:
            await self._send_all(state_of_round)
        return report

    # --- reading and marking -------------------------------------------------------------

    async def _read_due(self, round_: _Round) -> None:
        """Add the next due messages to the round (those it has not read yet).

        Read, not claimed: messages are marked `sending` only a group at a time just before
        their turn, so a kill leaves in doubt only what was marked (at most `max_sending`).
        """
        known = {message.id for message in round_.waiting}
        limit = self.settings.batch_size + len(known)
        now = self._clock.now()
        async with self._session_factory.begin() as session:
            batch = await OutboxRepository(session).due(now=now, limit=limit)
            round_.more = len(batch) == limit
            batch = [message for message in batch if message.id not in known]
            round_.report.claimed += len(batch)
            batch = await self._hold_for_quiet_hours(session, batch, now, round_.patients)
        round_.waiting.extend(batch)

    async def _hold_for_quiet_hours(
        self,
        session: AsyncSession,
        batch: list[OutboxMessage],
        now: datetime,
        patients: dict[int, Patient],
    ) -> list[OutboxMessage]:
        """Keep scheduled messages that would land in someone's quiet hours until they end.

        The tick plans outside quiet hours, but a backlog (a big broadcast, a slow send, a
        restart) can push a message late; nothing scheduled ever arrives in the night. The
        people are kept for one more look just before each message goes.
        """
        ids = {m.patient_id for m in batch if m.patient_id is not None and m.kind in _SCHEDULED}
        ids -= patients.keys()
        if ids:
            patients.update(await PatientRepository(session).many(ids))
        held: set[int] = set()
        delivery = DeliveryRepository(session)
        for message in batch:
            until = self._quiet_until_for(message, patients, now)
            if until is not None:
                await delivery.postpone(message.id, not_before_at=until, error="quiet hours")
                held.add(message.id)
        return [message for message in batch if message.id not in held] if held else batch

    @staticmethod
    def _quiet_until_for(
        message: OutboxMessage, patients: dict[int, Patient], now: datetime
    ) -> datetime | None:
        if message.kind not in _SCHEDULED or message.patient_id is None:
            return None
        patient = patients.get(message.patient_id)
        return None if patient is None else _quiet_until(patient, now)

    async def _mark(self, round_: _Round, count: int) -> None:
        """Mark the next `count` waiting messages `sending`, in one transaction."""
        group = [round_.waiting.popleft() for _ in range(count)]
        async with self._session_factory.begin() as session:
            started = await OutboxRepository(session).start_sending_many(
                [message.id for message in group], now=self._clock.now()
            )
            # What the group's unrendered check-ins need, read in the same transaction (a
            # few queries for the whole group), so what is marked is what gets rendered.
            to_render = {
                m.id: c for m in started if (c := to_render_at_send(m.payload)) is not None
            }
            states = (
                await states_for_sending(session, set(to_render.values())) if to_render else {}
            )
        by_id = {message.id: message for message in started}
        for message in group:  # in the outbox's order, which the heap's order keeps per chat
            marked = by_id.get(message.id)
            if marked is None:  # given up or put back meanwhile: not to be sent now
                continue
            check_in_id = to_render.get(marked.id)
            if check_in_id is not None and not self._render(
                round_, marked, states.get(check_in_id)
            ):
                continue
            ready = self._limiter.ready_at(marked.chat_id)
            heapq.heappush(round_.ready, (ready, next(round_.order), marked))

    def _render(self, round_: _Round, message: OutboxMessage, state: CheckInState | None) -> bool:
        """Render a check-in queued unrendered, for its send; False if it cannot be sent.

        A check-in that is gone (the person erased their data) or cannot be rendered is not
        sent: its row is marked failed with a note that holds no health data.
        """
        if state is None:
            error = "not sent: its check-in no longer exists"
        else:
            try:
                round_.rendered[message.id] = render_checkin(state, self._codec)
                return True
            except Exception as failure:  # one broken check-in must not stop the round
                error = f"not sent: could not render its check-in ({type(failure).__name__})"
        self._outcome(round_, message, SendResult(SendStatus.REJECTED, error=error))
        return False

    async def _top_up(self, round_: _Round) -> bool:
        """Read more and mark the next group when they run low; True if it did either."""
        acted = False
        if round_.more and len(round_.waiting) < self.settings.batch_size // 2 + 1:
            await self._read_due(round_)
            acted = True
        if not round_.waiting or len(round_.ready) >= self._low_water:
            return acted
        wanted = min(self._group, len(round_.waiting))
        room = self.settings.sending_limit - round_.sending()
        if room < wanted and round_.outcomes:
            await self._flush(round_)  # recording them makes room
            acted = True
            room = self.settings.sending_limit - round_.sending()
        count = min(room, wanted)
        # A group smaller than half is not worth a transaction unless nothing else is ready.
        if count > 0 and (count >= min(self._low_water, wanted) or not round_.ready):
            await self._mark(round_, count)
            acted = True
        return acted

    # --- sending -------------------------------------------------------------------------

    async def _send_all(self, round_: _Round) -> None:
        """Send in order, spaced by the rate limiter; a busy chat does not hold up others.

        Every pass awaits something that yields: a database write, a send finishing, the
        pace clock's sleep, or `asyncio.sleep(0)`; a pass that can do nothing ends the round.
        """
        try:
            while self._should_run():
                acted = await self._top_up(round_)
                if round_.outcomes and self._settle_due(round_):
                    await self._flush(round_)
                    acted = True
                if round_.ready:
                    await self._send_next(round_)
                elif round_.tasks:
                    await asyncio.wait(round_.tasks, return_when=asyncio.FIRST_COMPLETED)
                elif round_.outcomes:
                    await self._flush(round_)
                elif not acted:
                    break  # nothing waiting, marked, in flight or to record
        finally:
            await self._finish(round_)

    def _settle_due(self, round_: _Round) -> bool:
        """Whether the outcomes waiting to be recorded should be recorded now."""
        if len(round_.outcomes) >= self._group or not (round_.ready or round_.tasks):
            return True
        loop_time = asyncio.get_running_loop().time()
        return loop_time - round_.oldest_outcome >= self.settings.settle_seconds

    async def _send_next(self, round_: _Round) -> None:
        """Look at the marked message whose turn is next: send it, wait for it, or settle it."""
        key, order, message = heapq.heappop(round_.ready)
        chat = message.chat_id
        previous = round_.in_flight.get(chat)
        if previous is not None and not previous.done():
            heapq.heappush(round_.ready, (key, order, message))
            await asyncio.wait({previous})
            return
        if chat in self._blocked_chats:
            self._outcome(
                round_, message, SendResult(SendStatus.BLOCKED, error="not sent: blocked")
            )
            await asyncio.sleep(0)
            return
        now = self._pace.monotonic()
        held_for = self._limiter.chat_ready_at(chat) - now
        earlier = self._put_back.get(chat)
        if earlier is not None or held_for > self.settings.hold_longer_than:
            # Back to the queue: its chat is held long, or an earlier message of the chat
            # went back (it must not overtake that one).
            until = self._clock.now() + timedelta(seconds=max(0.0, held_for))
            note = "chat held after a flood limit"
            if earlier is not None:
                until, note = max(until, earlier), "after an earlier message to the chat"
            self._outcome(round_, message, None, until=until, note=note)
            self._put_back[chat] = until + _AFTER
            round_.report.requeued_held += 1
            await asyncio.sleep(0)
            return
        ready = self._limiter.ready_at(chat)
        if ready > key or ready > now or len(round_.tasks) >= self.settings.concurrency:
            # Not its turn yet: back in the heap under its new time, and wait for that time
            # (or for a send to finish); a 429 meanwhile is seen on the next look.
            heapq.heappush(round_.ready, (ready, order, message))
            if ready > key:
                await asyncio.sleep(0)
            elif ready > now:
                await self._pace.sleep(ready - now)
            else:
                await asyncio.wait(round_.tasks, return_when=asyncio.FIRST_COMPLETED)
            return
        self._limiter.take(chat)
        task = asyncio.create_task(self._deliver(round_, message))
        round_.tasks.add(task)
        task.add_done_callback(round_.tasks.discard)
        round_.in_flight[chat] = task
        # A long round sees thousands of chats: forget each one's send once it is done.
        task.add_done_callback(partial(_forget, round_.in_flight, chat))
        await asyncio.sleep(0)  # let the request start now

    async def _deliver(self, round_: _Round, message: OutboxMessage) -> None:
        outgoing = round_.rendered.get(message.id)
        if outgoing is None:  # queued with its message (rendered when it was queued)
            try:
                outgoing = OutgoingMessage.from_payload(message.payload)
            except (KeyError, TypeError, ValueError):
                self._outcome(
                    round_,
                    message,
                    SendResult(SendStatus.REJECTED, error="unreadable outbox payload"),
                )
                return
        outgoing = await self._with_chart(message, outgoing)
        # Its turn may come late (a backlog, a chart to draw): look at the person's clock.
        until = self._quiet_until_for(message, round_.patients, self._clock.now())
        if until is not None:
            self._outcome(round_, message, None, until=until, note="quiet hours")
            return
        try:
            result = await self._sender.send(message.chat_id, outgoing)
        except Exception as error:
            # The Sender should not raise; if it did, the request may have gone out.
            result = SendResult(SendStatus.UNCERTAIN, error=type(error).__name__)
        self._outcome(round_, message, result)

    async def _with_chart(
        self, message: OutboxMessage, outgoing: OutgoingMessage
    ) -> OutgoingMessage:
        """Add the chart a summary refers to; without it, the words still go out."""
        reference = message.payload.get(CHART_KEY)
        if reference is None or self._draw_chart is None:
            return outgoing
        try:
            return replace(outgoing, photo=await self._draw_chart(reference))
        except Exception as error:  # a chart is a nicety: never let it stop the message
            logger.warning(
                "could not draw chart for outbox %d: %s", message.id, type(error).__name__
            )
            return outgoing

    def _outcome(
        self,
        round_: _Round,
        message: OutboxMessage,
        result: SendResult | None,
        *,
        until: datetime | None = None,
        note: str = "",
    ) -> None:
        """Act on an outcome at once (flood holds, blocked chats, when a retry may go);
        record it with others."""
        at = self._clock.now()
        if result is not None:
            chat, status = message.chat_id, result.status
            if status is SendStatus.RETRY_AFTER:
                self._note_flood(chat, result.retry_after)
                until = at + timedelta(seconds=max(1.0, result.retry_after))
            elif status is SendStatus.NOT_SENT and message.attempts < self.settings.max_attempts:
                until = at + timedelta(seconds=self.settings.retry_delay(message.attempts))
            elif status is SendStatus.BLOCKED:
                self._blocked_chats.add(chat)
            elif status is SendStatus.SENT:
                self._floods.clear()
            if until is not None:
                self._put_back[chat] = max(until, self._put_back.get(chat, until)) + _AFTER
        # Sent or not, its rendering is done with (put back, it is rendered again).
        round_.rendered.pop(message.id, None)
        if not round_.outcomes:
            round_.oldest_outcome = asyncio.get_running_loop().time()
        round_.outcomes.append(_Outcome(message, at, result, until, note))

    async def _finish(self, round_: _Round) -> None:
        """Let sends in flight finish, put back what was marked and not sent, record all."""
        try:
            if round_.tasks:
                await asyncio.gather(*round_.tasks, return_exceptions=True)
            if round_.ready:
                unsent = [message.id for _, _, message in round_.ready]
                round_.ready.clear()
                try:
                    async with self._session_factory.begin() as session:
                        await OutboxRepository(session).unclaim(unsent)
                except Exception:
                    # Left `sending`: the next dispatcher to take the lock marks them uncertain.
                    logger.exception("could not put %d unsent message(s) back", len(unsent))
            await self._flush(round_)
        finally:
            self._blocked_chats.clear()
            self._put_back.clear()

    # --- recording -----------------------------------------------------------------------

    async def _flush(self, round_: _Round) -> None:
        """Record the outcomes so far in one transaction (one at a time if that fails)."""
        outcomes, round_.outcomes = round_.outcomes, []
        if not outcomes:
            return
        for attempt in range(1, _SETTLE_TRIES + 1):
            if await self._record_committed(outcomes, round_.report):
                return
            if attempt < _SETTLE_TRIES:
                await asyncio.sleep(0.05 * attempt)
        # One at a time: one outcome that cannot be written must not hold up the others.
        for outcome in outcomes:
            if not await self._record_committed([outcome], round_.report):
                # Left `sending`: the next dispatcher to take the lock marks it uncertain.
                logger.error("could not record the outcome of outbox %d", outcome.message.id)

    async def _record_committed(self, outcomes: list[_Outcome], report: DispatchReport) -> bool:
        """Record `outcomes` in one transaction; counts are added only once it committed."""
        counts = DispatchReport()
        try:
            async with self._session_factory.begin() as session:
                await self._record(session, outcomes, counts)
        except Exception:
            logger.exception("could not record %d outbox outcome(s)", len(outcomes))
            return False
        report.add(counts)
        for outcome in outcomes:
            result = outcome.result
            if result is not None and result.status is SendStatus.SENT:
                if self._sent_by_kind is not None:
                    self._sent_by_kind[outcome.message.kind] += 1
            else:
                # Ids, statuses and Telegram's description only: never the message text.
                error = outcome.note if result is None else (result.error or result.status.value)
                logger.info("outbox %d (%s): %s", outcome.message.id, outcome.message.kind, error)
        return True

    async def _record(
        self, session: AsyncSession, outcomes: list[_Outcome], report: DispatchReport
    ) -> None:
        outbox = OutboxRepository(session)
        await outbox.mark_sent_many(
            [
                SentMessage(o.message.id, o.at, o.result.message_id)
                for o in outcomes
                if o.result is not None and o.result.status is SendStatus.SENT
            ]
        )
        for outcome in outcomes:
            await self._record_one(session, outbox, outcome, report)

    async def _record_one(
        self,
        session: AsyncSession,
        outbox: OutboxRepository,
        outcome: _Outcome,
        report: DispatchReport,
    ) -> None:
        message, result, now = outcome.message, outcome.result, outcome.at
        if result is None:
            await DeliveryRepository(session).release_after_flood(
                message.id, not_before_at=outcome.until or now, error=outcome.note
            )
            return
        error = result.error or result.status.value
        status = result.status
        if status is SendStatus.SENT:  # the outbox row was marked with the others
            check_in_id = message.payload.get(CHECK_IN_KEY)
            if message.kind == OutboxKind.CHECKIN.value and isinstance(check_in_id, int):
                await CheckInRepository(session).mark_sent(
                    check_in_id, sent_at=now, telegram_message_id=result.message_id
                )
                await schedule_first_nudge(session, check_in_id, now)
            report.sent += 1
        elif status is SendStatus.RETRY_AFTER:
            await DeliveryRepository(session).release_after_flood(
                message.id, not_before_at=outcome.until or now, error=error
            )
            report.flood_waits += 1
        elif status is SendStatus.NOT_SENT and outcome.until is not None:  # attempts left
            await outbox.retry_later(message.id, not_before_at=outcome.until, error=error)
            report.retried += 1
        elif status is SendStatus.UNCERTAIN:
            await outbox.mark_uncertain(message.id, error=error)
            report.uncertain += 1
        elif status is SendStatus.BLOCKED:
            await outbox.mark_failed(message.id, error=error)
            if message.patient_id is not None:
                await mark_unreachable(session, message.patient_id, now)
            report.blocked += 1
        else:  # REJECTED, or NOT_SENT with no attempts left
            await outbox.mark_failed(message.id, error=error)
            report.failed += 1

    def _note_flood(self, chat_id: int, retry_after: float) -> None:
        """Hold the chat; if several chats hit the limit in a row, hold everything.

        A lone 429 among accepted sends is that chat's own; when the bot-wide limit is hit,
        every send gets one until it clears, so 429s from two chats within a second with no
        send accepted between them mean that.
        """
        seconds = max(1.0, retry_after)
        self._limiter.hold_chat(chat_id, seconds)
        now = self._pace.monotonic()
        self._floods.append((now, chat_id))
        while self._floods and now - self._floods[0][0] > 1.0:
            self._floods.popleft()
        if len({chat for _, chat in self._floods}) >= _GLOBAL_FLOOD_CHATS:
            self._limiter.hold_all(seconds)

    async def _idle_delay(self, held: bool) -> float:
        poll = self.settings.poll_seconds
        if not held:
            return poll
        async with self._session_factory() as session:
            earliest = await DeliveryRepository(session).earliest_pending()
        if earliest is None:
            return poll
        wait = (earliest - self._clock.now()).total_seconds()
        return min(poll, max(0.0, self._clock.real_seconds(wait)))


def _always() -> bool:
    return True


def _forget(in_flight: dict[int, asyncio.Task[None]], chat: int, task: asyncio.Task[None]) -> None:
    if in_flight.get(chat) is task:
        del in_flight[chat]
