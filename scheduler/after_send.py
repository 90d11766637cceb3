"""What a delivered or refused message changes besides its outbox row.

- A check-in that went out is marked sent with Telegram's message id (taps are checked
  against it), and its nudge is planned from the moment of delivery.
- A person who blocked the bot (403) becomes unreachable: their schedule stops and their
  queued messages are given up, until they come back.

Each runs in the transaction that records the outcome.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CHECK_IN_KEY, OutboxKind, OutboxMessage
from core.store.repositories import CheckInRepository
from scheduler.nudges import schedule_first_nudge
from scheduler.reachability import mark_unreachable


async def after_sent(
    session: AsyncSession,
    message: OutboxMessage,
    sent_at: datetime,
    telegram_message_id: int | None,
) -> None:
    """Telegram accepted `message` as `telegram_message_id`."""
    check_in_id = message.payload.get(CHECK_IN_KEY)
    if message.kind == OutboxKind.CHECKIN.value and isinstance(check_in_id, int):
        await CheckInRepository(session).mark_sent(
            check_in_id, sent_at=sent_at, telegram_message_id=telegram_message_id
        )
        await schedule_first_nudge(session, check_in_id, sent_at)


async def after_blocked(session: AsyncSession, message: OutboxMessage, now: datetime) -> None:
    """Telegram said the person blocked the bot (or left): stop writing to them."""
    if message.patient_id is not None:
        await mark_unreachable(session, message.patient_id, now)
