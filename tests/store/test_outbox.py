"""OutboxRepository."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import OutboxKind, OutboxMessage, OutboxStatus
from core.store.repositories import OutboxRepository
from core.store.tables import MAX_ERROR_LENGTH, OutboxRow
from tests.store.helpers import NOW, add_patient


async def _count(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


async def test_enqueueing_the_same_key_twice_yields_one_message(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    async with session_factory.begin() as session:
        first, created = await OutboxRepository(session).enqueue(
            idempotency_key="checkin:1:2026-03-02:daily",
            chat_id=patient.chat_id,
            kind=OutboxKind.CHECKIN,
            payload={"check_in_id": 1, "items": ["moving_freely"]},
            now=NOW,
            patient_id=patient.id,
        )
    assert created
    assert first == OutboxMessage(
        id=first.id,
        idempotency_key="checkin:1:2026-03-02:daily",
        patient_id=patient.id,
        chat_id=patient.chat_id,
        kind="checkin",
        payload={"check_in_id": 1, "items": ["moving_freely"]},
        status=OutboxStatus.PENDING,
        attempts=0,
        not_before_at=NOW,
        created_at=NOW,
        sent_at=None,
        telegram_message_id=None,
        last_error=None,
    )
    async with session_factory.begin() as session:
        again, created_again = await OutboxRepository(session).enqueue(
            idempotency_key="checkin:1:2026-03-02:daily",
            chat_id=patient.chat_id,
            kind=OutboxKind.CHECKIN,
            payload={"something": "else"},
            now=NOW + timedelta(minutes=5),
            patient_id=patient.id,
        )
    assert (again, created_again) == (first, False)
    assert await _count(session_factory) == 1


async def test_concurrent_enqueues_of_one_key_make_one_message(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async def enqueue() -> tuple[OutboxMessage, bool]:
        async with session_factory.begin() as session:
            result = await OutboxRepository(session).enqueue(
                idempotency_key="broadcast:9:42", chat_id=42, kind="broadcast", payload={}, now=NOW
            )
            await asyncio.sleep(0.02)  # keep both transactions open at once
            return result

    results = await asyncio.gather(*(enqueue() for _ in range(4)))
    assert len({message.id for message, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert await _count(session_factory) == 1


async def test_due_messages_are_pending_ones_whose_time_has_come_oldest_first(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        for key, minutes in (("b", 2), ("a", 1), ("later", 30), ("c", 2)):
            await outbox.enqueue(
                idempotency_key=key,
                chat_id=1,
                kind="reply",
                payload={},
                now=NOW,
                not_before_at=NOW + timedelta(minutes=minutes),
            )
        sent, _ = await outbox.enqueue(
            idempotency_key="sent", chat_id=1, kind="reply", payload={}, now=NOW
        )
        await outbox.mark_sent(sent.id, sent_at=NOW, telegram_message_id=5)
        now = NOW + timedelta(minutes=2)
        assert [m.idempotency_key for m in await outbox.due(now=now)] == ["a", "b", "c"]
        assert [m.idempotency_key for m in await outbox.due(now=now, limit=2)] == ["a", "b"]


async def test_claiming_takes_due_messages_once_and_counts_the_attempt(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        for key in ("a", "b"):
            await outbox.enqueue(idempotency_key=key, chat_id=1, kind="nudge", payload={}, now=NOW)
        claimed = await outbox.claim_due(now=NOW)
        assert [(m.idempotency_key, m.status, m.attempts) for m in claimed] == [
            ("a", OutboxStatus.SENDING, 1),
            ("b", OutboxStatus.SENDING, 1),
        ]
        assert await outbox.claim_due(now=NOW) == []


async def test_messages_are_settled_as_sent_failed_uncertain_or_retried(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        ids = {}
        for key in ("sent", "failed", "uncertain", "retried"):
            message, _ = await outbox.enqueue(
                idempotency_key=key, chat_id=1, kind="reply", payload={}, now=NOW
            )
            ids[key] = message.id
        await outbox.claim_due(now=NOW)
        sent = await outbox.mark_sent(
            ids["sent"], sent_at=NOW + timedelta(seconds=1), telegram_message_id=77
        )
        failed = await outbox.mark_failed(ids["failed"], error="Forbidden: bot was blocked")
        uncertain = await outbox.mark_uncertain(ids["uncertain"], error="x" * 2000)
        retry_at = NOW + timedelta(seconds=30)
        retried = await outbox.retry_later(
            ids["retried"], not_before_at=retry_at, error="RetryAfter(30)"
        )
        assert await outbox.mark_failed(404, error="missing") is None

    assert sent is not None
    assert failed is not None
    assert uncertain is not None
    assert retried is not None
    assert (sent.status, sent.sent_at, sent.telegram_message_id) == (
        OutboxStatus.SENT,
        NOW + timedelta(seconds=1),
        77,
    )
    assert (failed.status, failed.last_error) == (
        OutboxStatus.FAILED,
        "Forbidden: bot was blocked",
    )
    assert uncertain.status is OutboxStatus.UNCERTAIN
    assert uncertain.last_error is not None
    assert len(uncertain.last_error) == MAX_ERROR_LENGTH
    assert (retried.status, retried.not_before_at, retried.attempts) == (
        OutboxStatus.PENDING,
        retry_at,
        1,
    )
    async with session_factory() as session:
        outbox = OutboxRepository(session)
        assert await outbox.due(now=retry_at - timedelta(seconds=1)) == []
        assert [m.id for m in await outbox.due(now=retry_at)] == [ids["retried"]]
        assert await outbox.get(ids["sent"]) == sent
        assert await outbox.get_by_key("failed") == failed


# SKIP LOCKED is PostgreSQL's; SQLite has a single writer and ignores the clause.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_dispatchers_on_postgresql_never_claim_the_same_message(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        for n in range(10):
            await OutboxRepository(session).enqueue(
                idempotency_key=f"m{n}", chat_id=n, kind="broadcast", payload={}, now=NOW
            )
    first_claimed = asyncio.Event()

    async def dispatcher(wait_for_other: bool) -> list[int]:
        async with session_factory.begin() as session:
            if wait_for_other:
                await first_claimed.wait()
            claimed = await OutboxRepository(session).claim_due(now=NOW, limit=6)
            if not wait_for_other:
                first_claimed.set()
                await asyncio.sleep(0.05)  # hold the row locks while the other one claims
            return [message.id for message in claimed]

    one, two = await asyncio.gather(dispatcher(False), dispatcher(True))
    assert len(one) == 6
    assert len(two) == 4
    assert not set(one) & set(two)
