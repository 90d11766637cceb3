"""What a delivered or refused message changes besides its outbox row.

- A check-in that went out is marked sent with Telegram's message id (taps are checked
  against it), and its nudge is planned from the moment of delivery.
- A person who blocked the bot (403) becomes unreachable: their schedule stops and their
  queued messages are given up, until they come back.

Each runs in the transaction that records the outcomes, for a group of messages at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CHECK_IN_KEY, OutboxKind, OutboxMessage
from core.store.repositories import CheckInRepository
from core.store.repositories.check_ins import SentCheckIn
from scheduler.nudges import schedule_first_nudges
from scheduler.reachability import mark_unreachable


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message Telegram accepted at `sent_at`, shown as `telegram_message_id`."""

    message: OutboxMessage
    sent_at: datetime
    telegram_message_id: int | None


async def after_sent(session: AsyncSession, delivered: Sequence[Delivered]) -> None:
    """Telegram accepted these messages: check-ins among them are marked sent (with the
    message that shows each) and their nudges planned, a few statements for any number."""
    sent = [
        SentCheckIn(check_in_id, item.sent_at, item.telegram_message_id)
        for item in delivered
        if item.message.kind == OutboxKind.CHECKIN.value
        and isinstance(check_in_id := item.message.payload.get(CHECK_IN_KEY), int)
    ]
    if not sent:
        return
    await CheckInRepository(session).mark_sent_many(sent)
    await schedule_first_nudges(session, {item.check_in_id: item.sent_at for item in sent})


async def after_blocked(session: AsyncSession, message: OutboxMessage, now: datetime) -> None:
    """Telegram said the person blocked the bot (or left): stop writing to them."""
    if message.patient_id is not None:
        await mark_unreachable(session, message.patient_id, now)
