"""Sending one outbox message, and what its outcome means for it.

Per outcome:
- sent: recorded with Telegram's message id;
- 429: back in the queue after `retry_after`, without using up an attempt, never dropped;
- not sent (5xx, connection refused): retried with exponential backoff, then failed;
- uncertain (a timeout after the request went out): recorded and never resent;
- blocked (403): failed, and the person becomes unreachable until they come back;
- rejected (400): failed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from core.domain import OutboxKind, OutboxMessage, Patient
from core.ports import OutgoingMessage, Sender, SendResult, SendStatus
from scheduler.counts import Counts
from scheduler.schedules import quiet_until
from scheduler.summary_charts import CHART_KEY

logger = logging.getLogger(__name__)

# Messages N1 sends on its own schedule: these wait out a person's quiet hours.
SCHEDULED: Final = frozenset(
    kind.value
    for kind in (OutboxKind.CHECKIN, OutboxKind.NUDGE, OutboxKind.SUMMARY, OutboxKind.DOOR_OPEN)
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how long apart, a send that provably did not happen is tried again."""

    # Attempts that provably did not reach Telegram (5xx, refused) before giving up.
    max_attempts: int = 5
    base_seconds: float = 2.0
    max_seconds: float = 300.0

    def delay(self, attempts: int) -> float:
        """Seconds before another try after `attempts` failed ones (exponential, capped)."""
        return min(self.max_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of a message marked `sending`, waiting to be recorded."""

    message: OutboxMessage
    at: datetime
    # None: it was not sent, and goes back to the queue until `until` (attempt given back).
    result: SendResult | None
    # When it may be tried again (None: never, or it was sent).
    until: datetime | None = None
    note: str = ""


def outcome_of(
    message: OutboxMessage, result: SendResult, at: datetime, retry: RetryPolicy
) -> Outcome:
    """The outcome of one send attempt, with when the message may go again, if ever."""
    until = None
    if result.status is SendStatus.RETRY_AFTER:
        until = at + timedelta(seconds=max(1.0, result.retry_after))
    elif result.status is SendStatus.NOT_SENT and message.attempts < retry.max_attempts:
        until = at + timedelta(seconds=retry.delay(message.attempts))
    return Outcome(message, at, result, until)


def not_now(message: OutboxMessage, at: datetime, until: datetime, note: str) -> Outcome:
    """A message that was not tried: back to the queue until `until`, attempt given back."""
    return Outcome(message, at, None, until, note)


def quiet_hours_hold(
    message: OutboxMessage, patients: Mapping[int, Patient], now: datetime
) -> datetime | None:
    """When a scheduled message may go if its person is in their quiet hours now (else None).

    The tick plans outside quiet hours, but a backlog (a big broadcast, a slow send, a
    restart) can push a message late; nothing scheduled ever arrives in the night.
    """
    if message.kind not in SCHEDULED or message.patient_id is None:
        return None
    patient = patients.get(message.patient_id)
    return None if patient is None else quiet_until(patient, now)


async def with_chart(
    message: OutboxMessage,
    outgoing: OutgoingMessage,
    draw_chart: Callable[[Mapping[str, Any]], Awaitable[bytes]] | None,
) -> OutgoingMessage:
    """The message with the chart its payload refers to; without it, the words still go."""
    reference = message.payload.get(CHART_KEY)
    if reference is None or draw_chart is None:
        return outgoing
    try:
        return replace(outgoing, photo=await draw_chart(reference))
    except Exception as error:  # a chart is a nicety: never let it stop the message
        logger.warning("could not draw chart for outbox %d: %s", message.id, type(error).__name__)
        return outgoing


async def send_one(sender: Sender, chat_id: int, outgoing: OutgoingMessage) -> SendResult:
    """Try once to send; never raises."""
    try:
        return await sender.send(chat_id, outgoing)
    except Exception as error:
        # The Sender should not raise; if it did, the request may have gone out.
        return SendResult(SendStatus.UNCERTAIN, error=type(error).__name__)


@dataclass
class DispatchReport(Counts):
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
