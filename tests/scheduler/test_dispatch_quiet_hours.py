"""A scheduled message that falls due in someone's quiet hours waits until they end."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.domain import OutboxKind, OutboxStatus
from core.ports import OutgoingMessage
from core.store.repositories import OutboxRepository
from core.store.repositories.outbox import NewOutboxMessage
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    FakeSender,
    add_active_patient,
    make_dispatcher,
    outbox,
)


async def test_a_late_summary_waits_for_the_morning_but_a_broadcast_does_not(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    clock = FakeClock(utc(2027, 1, 10, 22, 30))  # Sunday 22:30 in London: quiet hours
    patient = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    async with session_factory.begin() as session:
        for key, kind in (
            ("late-summary", OutboxKind.SUMMARY),
            ("broadcast", OutboxKind.BROADCAST),
        ):
            await OutboxRepository(session).enqueue(
                NewOutboxMessage(
                    idempotency_key=key,
                    chat_id=patient.chat_id,
                    kind=kind.value,
                    payload=OutgoingMessage(key).to_payload(),
                    patient_id=patient.id,
                ),
                clock.now(),
            )
    sender = FakeSender()
    dispatcher = make_dispatcher(session_factory, sender, clock)
    await dispatcher.drain()
    assert [message.text for _, message in sender.sent] == ["broadcast"]
    (summary,) = await outbox(session_factory, OutboxKind.SUMMARY.value)
    assert summary.status is OutboxStatus.PENDING
    assert summary.not_before_at == utc(2027, 1, 11, 8, 0)  # 08:00 GMT, the end of quiet
    clock.set(utc(2027, 1, 11, 8, 0))
    await dispatcher.drain()
    assert [message.text for _, message in sender.sent] == ["broadcast", "late-summary"]
