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
runs in one process). Each message is marked `sending` in its own transaction just before its
request goes out (and only if it is still pending), so if the process dies mid-send the next
dispatcher to take the lock finds exactly the messages in flight still `sending`, and marks
them `uncertain` instead of sending them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Final, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from core.clock import Clock
from core.domain import OutboxKind, OutboxMessage, Patient
from core.ports import OutgoingMessage, Sender, SendResult, SendStatus
from core.store.repositories import (
    CheckInRepository,
    DeliveryRepository,
    OutboxRepository,
    PatientRepository,
)
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
_GLOBAL_FLOOD_CHATS: Final = 2
_SETTLE_TRIES: Final = 3


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
    batch_size: int = 50
    # Requests in flight at once (well below the HTTP pool, so replies always find one).
    concurrency: int = 8
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


class Dispatcher:
    """Drains the outbox through a `Sender`."""

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
    ) -> None:
        self._session_factory = session_factory
        # Draws the chart a weekly summary's payload refers to, right before it is sent.
        self._draw_chart = draw_chart
        self._sender = sender
        self._clock = clock
        self._lock = lock
        self.settings = settings or DispatchSettings()
        # Pacing runs on the same clock as the Bot API's limits (real time in production).
        self._pace = pace_clock or clock
        self._limiter = RateLimiter(self.settings.limits, self._pace.monotonic)
        self._sent_by_kind = sent_by_kind
        self._wake = asyncio.Event()
        self._floods: deque[tuple[float, int]] = deque()
        # Chats that answered 403 in the current batch: their other messages are not sent.
        self._blocked_chats: set[int] = set()

    def wake(self) -> None:
        """Look at the outbox now (something was queued)."""
        self._wake.set()

    async def run(self, should_run: Callable[[], bool]) -> None:
        """Dispatch until `should_run()` is False; then let sends in flight finish, and
        give the lock up."""
        try:
            while should_run():
                self._wake.clear()
                try:
                    report = await self.drain_once()
                except Exception:
                    logger.exception("dispatcher round failed; trying again shortly")
                    report = DispatchReport(held_lock=False)
                if report.held_lock and report.claimed:
                    continue
                delay = await self._idle_delay(report.held_lock)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=delay)
        finally:
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
        """Claim one batch of due messages, send them at the limits, and settle each."""
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
        # Read, not claimed: each message is marked `sending` only just before its request,
        # so a kill leaves in doubt only what was really in flight.
        async with self._session_factory.begin() as session:
            batch = await OutboxRepository(session).due(
                now=self._clock.now(), limit=self.settings.batch_size
            )
        report.claimed = len(batch)
        if batch:
            batch = await self._hold_for_quiet_hours(batch)
        if batch:
            await self._send_all(batch, report)
        return report

    async def _hold_for_quiet_hours(self, batch: list[OutboxMessage]) -> list[OutboxMessage]:
        """Keep scheduled messages that would land in someone's quiet hours until they end.

        The tick plans outside quiet hours, but a backlog (a big broadcast, a slow send, a
        restart) can push a message late; nothing scheduled ever arrives in the night.
        """
        ids = {m.patient_id for m in batch if m.patient_id is not None and m.kind in _SCHEDULED}
        if not ids:
            return batch
        now = self._clock.now()
        held: set[int] = set()
        async with self._session_factory.begin() as session:
            patients = await PatientRepository(session).many(ids)
            delivery = DeliveryRepository(session)
            for message in batch:
                patient = patients.get(message.patient_id or 0)
                if patient is None or message.kind not in _SCHEDULED:
                    continue
                until = _quiet_until(patient, now)
                if until is not None:
                    await delivery.postpone(message.id, not_before_at=until, error="quiet hours")
                    held.add(message.id)
        return [message for message in batch if message.id not in held]

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

    # --- sending -------------------------------------------------------------------------

    async def _send_all(self, batch: list[OutboxMessage], report: DispatchReport) -> None:
        """Send in order, spaced by the rate limiter; a busy chat does not hold up others."""
        semaphore = asyncio.Semaphore(self.settings.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        # One send per chat at a time: keeps its order, and a 403 stops the ones after it.
        in_flight: dict[int, asyncio.Task[None]] = {}
        # (ready at, order, message): the order keeps one chat's messages in sequence.
        heap = [(0.0, index, message) for index, message in enumerate(batch)]
        heapq.heapify(heap)
        try:
            while heap:
                key, order, message = heapq.heappop(heap)
                chat = message.chat_id
                previous = in_flight.get(chat)
                if previous is not None and not previous.done():
                    await asyncio.wait({previous})
                if chat in self._blocked_chats:
                    await self._settle(
                        message, SendResult(SendStatus.BLOCKED, error="not sent: blocked"), report
                    )
                    continue
                if self._limiter.chat_ready_at(chat) - self._pace.monotonic() > (
                    self.settings.hold_longer_than
                ):
                    await self._requeue_held(message, report)
                    continue
                ready = self._limiter.ready_at(chat)
                if ready > key:
                    heapq.heappush(heap, (ready, order, message))
                    continue
                wait = ready - self._pace.monotonic()
                if wait > 0:
                    await self._pace.sleep(wait)
                await semaphore.acquire()
                if self._limiter.ready_at(chat) > self._pace.monotonic():
                    # A 429 arrived while waiting: look again.
                    semaphore.release()
                    heapq.heappush(heap, (self._limiter.ready_at(chat), order, message))
                    continue
                self._limiter.take(chat)
                async with self._session_factory.begin() as session:
                    started = await DeliveryRepository(session).start_sending(message.id)
                if started is None:  # given up meanwhile (e.g. the person blocked the bot)
                    semaphore.release()
                    continue
                task = asyncio.create_task(self._deliver(started, report, semaphore))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                in_flight[chat] = task
                await asyncio.sleep(0)  # let the request start now
        finally:
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
            self._blocked_chats.clear()

    async def _deliver(
        self, message: OutboxMessage, report: DispatchReport, semaphore: asyncio.Semaphore
    ) -> None:
        try:
            try:
                outgoing = OutgoingMessage.from_payload(message.payload)
            except (KeyError, TypeError, ValueError):
                result = SendResult(SendStatus.REJECTED, error="unreadable outbox payload")
            else:
                outgoing = await self._with_chart(message, outgoing)
                # Drawing a chart takes a moment: look at the person's clock once more.
                if await self._back_to_queue_if_quiet(message):
                    return
                try:
                    result = await self._sender.send(message.chat_id, outgoing)
                except Exception as error:
                    # The Sender should not raise; if it did, the request may have gone out.
                    result = SendResult(SendStatus.UNCERTAIN, error=type(error).__name__)
            await self._settle(message, result, report)
        finally:
            semaphore.release()

    async def _back_to_queue_if_quiet(self, message: OutboxMessage) -> bool:
        """A scheduled message whose person is now in quiet hours goes back until they end."""
        if message.kind not in _SCHEDULED or message.patient_id is None:
            return False
        now = self._clock.now()
        async with self._session_factory.begin() as session:
            patient = await PatientRepository(session).get(message.patient_id)
            if patient is None:
                return False
            until = _quiet_until(patient, now)
            if until is None:
                return False
            await DeliveryRepository(session).release_after_flood(
                message.id, not_before_at=until, error="quiet hours"
            )
        return True

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

    async def _requeue_held(self, message: OutboxMessage, report: DispatchReport) -> None:
        delay = self._limiter.chat_ready_at(message.chat_id) - self._pace.monotonic()
        async with self._session_factory.begin() as session:
            await DeliveryRepository(session).postpone(
                message.id,
                not_before_at=self._clock.now() + timedelta(seconds=max(0.0, delay)),
                error="chat held after a flood limit",
            )
        report.requeued_held += 1

    # --- settling ------------------------------------------------------------------------

    async def _settle(
        self, message: OutboxMessage, result: SendResult, report: DispatchReport
    ) -> None:
        if result.status is SendStatus.RETRY_AFTER:
            self._note_flood(message.chat_id, result.retry_after)
        elif result.status is SendStatus.BLOCKED:
            self._blocked_chats.add(message.chat_id)
        for attempt in range(1, _SETTLE_TRIES + 1):
            try:
                async with self._session_factory.begin() as session:
                    await self._record(session, message, result, report)
                break
            except Exception:
                if attempt == _SETTLE_TRIES:
                    # Left `sending`: the next dispatcher to take the lock marks it uncertain.
                    logger.exception("could not record the outcome of outbox %d", message.id)
                    return
                await asyncio.sleep(0.05 * attempt)
        if result.status is SendStatus.SENT and self._sent_by_kind is not None:
            self._sent_by_kind[message.kind] += 1

    async def _record(
        self,
        session: AsyncSession,
        message: OutboxMessage,
        result: SendResult,
        report: DispatchReport,
    ) -> None:
        outbox = OutboxRepository(session)
        now = self._clock.now()
        error = result.error or result.status.value
        status = result.status
        if status is SendStatus.SENT:
            await outbox.mark_sent(message.id, sent_at=now, telegram_message_id=result.message_id)
            check_in_id = message.payload.get("check_in_id")
            if message.kind == OutboxKind.CHECKIN.value and isinstance(check_in_id, int):
                await CheckInRepository(session).mark_sent(
                    check_in_id, sent_at=now, telegram_message_id=result.message_id
                )
                await schedule_first_nudge(session, check_in_id, now)
            report.sent += 1
        elif status is SendStatus.RETRY_AFTER:
            await DeliveryRepository(session).release_after_flood(
                message.id,
                not_before_at=now + timedelta(seconds=max(1.0, result.retry_after)),
                error=error,
            )
            report.flood_waits += 1
        elif status is SendStatus.NOT_SENT and message.attempts < self.settings.max_attempts:
            delay = self.settings.retry_delay(message.attempts)
            await outbox.retry_later(
                message.id, not_before_at=now + timedelta(seconds=delay), error=error
            )
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
        if status is not SendStatus.SENT:
            # Ids, statuses and Telegram's description only: never the message text.
            logger.info("outbox %d (%s): %s", message.id, message.kind, error)

    def _note_flood(self, chat_id: int, retry_after: float) -> None:
        """Hold the chat; if several chats hit the limit at once, hold everything."""
        seconds = max(1.0, retry_after)
        self._limiter.hold_chat(chat_id, seconds)
        now = self._pace.monotonic()
        self._floods.append((now, chat_id))
        while self._floods and now - self._floods[0][0] > 1.0:
            self._floods.popleft()
        if len({chat for _, chat in self._floods}) >= _GLOBAL_FLOOD_CHATS:
            self._limiter.hold_all(seconds)
