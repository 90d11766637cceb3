"""OutboxRepository."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import OutboxKind, OutboxMessage, OutboxStatus
from core.store.repositories import OutboxRepository
from core.store.repositories.outbox import NewOutboxMessage, SentMessage
from core.store.tables import MAX_ERROR_LENGTH, OutboxRow
from tests.store.helpers import NOW, add_patient


async def _count(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxRow)) or 0)


async def _by_key(session_factory: async_sessionmaker[AsyncSession], key: str) -> OutboxMessage:
    async with session_factory() as session:
        message = await OutboxRepository(session).get_by_key(key)
    assert message is not None, key
    return message


def _reply(key: str, chat_id: int = 1, not_before_at: datetime | None = None) -> NewOutboxMessage:
    return NewOutboxMessage(
        idempotency_key=key,
        chat_id=chat_id,
        kind=OutboxKind.BROADCAST,
        payload={},
        not_before_at=not_before_at,
    )


async def _id_of(outbox: OutboxRepository, key: str) -> int:
    message = await outbox.get_by_key(key)
    assert message is not None, key
    return message.id


async def _queue(session_factory: async_sessionmaker[AsyncSession], *keys: str) -> dict[str, int]:
    """Queue a reply per key, due at `NOW`; key -> message id."""
    async with session_factory.begin() as session:
        await OutboxRepository(session).enqueue_many([_reply(key) for key in keys], NOW)
    return {key: (await _by_key(session_factory, key)).id for key in keys}


async def test_enqueueing_the_same_key_twice_yields_one_message(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    key = "checkin:1:2026-03-02:daily"
    async with session_factory.begin() as session:
        created = await OutboxRepository(session).enqueue(
            NewOutboxMessage(
                idempotency_key=key,
                chat_id=patient.chat_id,
                kind=OutboxKind.CHECKIN,
                payload={"check_in_id": 1},
                patient_id=patient.id,
            ),
            NOW,
        )
    assert created
    first = await _by_key(session_factory, key)
    assert first == OutboxMessage(
        id=first.id,
        idempotency_key=key,
        patient_id=patient.id,
        chat_id=patient.chat_id,
        kind="checkin",
        payload={"check_in_id": 1},
        status=OutboxStatus.PENDING,
        attempts=0,
        not_before_at=NOW,
        created_at=NOW,
        sent_at=None,
        telegram_message_id=None,
        last_error=None,
    )
    async with session_factory.begin() as session:
        created_again = await OutboxRepository(session).enqueue(
            NewOutboxMessage(
                idempotency_key=key,
                chat_id=patient.chat_id,
                kind=OutboxKind.CHECKIN,
                payload={"something": "else"},
                patient_id=patient.id,
            ),
            NOW + timedelta(minutes=5),
        )
    assert not created_again
    assert await _by_key(session_factory, key) == first
    assert await _count(session_factory) == 1
    async with session_factory() as session:
        outbox = OutboxRepository(session)
        assert await outbox.get(first.id) == first
        assert await outbox.get(404) is None
        assert await outbox.get_by_key("missing") is None


async def test_a_batch_queues_only_the_keys_not_queued_before(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    later = NOW + timedelta(hours=3)
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        assert await outbox.enqueue_many([_reply("a"), _reply("b")], NOW) == {"a", "b"}
        queued = await outbox.enqueue_many(
            [_reply("b", chat_id=2), _reply("c", not_before_at=later), _reply("a")],
            NOW + timedelta(minutes=1),
        )
        assert queued == {"c"}
        assert await outbox.enqueue_many([], NOW) == set()
    assert await _count(session_factory) == 3
    assert (await _by_key(session_factory, "b")).chat_id == 1
    later_one = await _by_key(session_factory, "c")
    assert (later_one.not_before_at, later_one.created_at) == (
        later,
        NOW + timedelta(minutes=1),
    )


async def test_concurrent_enqueues_of_one_key_make_one_message(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    all_open = asyncio.Barrier(4)

    async def enqueue() -> bool:
        async with session_factory.begin() as session:
            await all_open.wait()  # every transaction is open before any of them writes
            return await OutboxRepository(session).enqueue(
                NewOutboxMessage(
                    idempotency_key="broadcast:9:42", chat_id=42, kind="broadcast", payload={}
                ),
                NOW,
            )

    results = await asyncio.gather(*(enqueue() for _ in range(4)))
    assert sorted(results) == [False, False, False, True]
    assert await _count(session_factory) == 1


async def test_due_messages_are_pending_ones_whose_time_has_come_oldest_first(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        assert await outbox.earliest_pending() is None
        for key, minutes in (("b", 2), ("a", 1), ("later", 30), ("c", 2)):
            await outbox.enqueue(_reply(key, not_before_at=NOW + timedelta(minutes=minutes)), NOW)
        await outbox.enqueue(_reply("sent"), NOW)
        [sending] = await outbox.start_sending_many([await _id_of(outbox, "sent")], now=NOW)
        await outbox.mark_sent_many(
            [SentMessage(message_id=sending.id, sent_at=NOW, telegram_message_id=5)]
        )
        assert await outbox.earliest_pending() == NOW + timedelta(minutes=1)
        now = NOW + timedelta(minutes=2)
        due = await outbox.due(now=now, limit=10)
        assert [m.idempotency_key for m in due] == ["a", "b", "c"]
        assert [m.idempotency_key for m in await outbox.due(now=now, limit=2)] == ["a", "b"]
        assert await outbox.due(now=NOW, limit=10) == []


async def test_starting_to_send_takes_due_pending_messages_once_and_counts_the_attempt(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _queue(session_factory, "a", "b")
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        await outbox.enqueue(_reply("later", not_before_at=NOW + timedelta(hours=1)), NOW)
        later = await outbox.get_by_key("later")
        assert later is not None
        started = await outbox.start_sending_many([ids["a"], ids["b"], later.id], now=NOW)
        assert sorted((m.idempotency_key, m.status, m.attempts) for m in started) == [
            ("a", OutboxStatus.SENDING, 1),
            ("b", OutboxStatus.SENDING, 1),
        ]
        # Already sending: not started twice. Not due yet: not started at all.
        assert await outbox.start_sending_many([ids["a"], later.id], now=NOW) == []
        assert await outbox.due(now=NOW, limit=10) == []
        assert await outbox.start_sending_many([], now=NOW) == []


async def test_racing_senders_start_each_message_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    ids = list((await _queue(session_factory, *(f"m{n}" for n in range(10)))).values())
    both_open = asyncio.Barrier(2)

    async def sender() -> list[int]:
        async with session_factory.begin() as session:
            await both_open.wait()
            started = await OutboxRepository(session).start_sending_many(ids, now=NOW)
            return [message.id for message in started]

    one, two = await asyncio.gather(sender(), sender())
    assert sorted(one + two) == sorted(ids)
    assert not set(one) & set(two)
    for key in (f"m{n}" for n in range(10)):
        assert (await _by_key(session_factory, key)).attempts == 1


async def test_messages_are_settled_as_sent_failed_uncertain_or_retried(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    keys = ("sent", "failed", "uncertain", "retried", "flooded")
    ids = await _queue(session_factory, *keys)
    retry_at = NOW + timedelta(seconds=30)
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        await outbox.start_sending_many(list(ids.values()), now=NOW)
        await outbox.mark_sent_many(
            [
                SentMessage(
                    message_id=ids["sent"],
                    sent_at=NOW + timedelta(seconds=1),
                    telegram_message_id=77,
                )
            ]
        )
        await outbox.mark_failed(ids["failed"], error="Forbidden: bot was blocked")
        await outbox.mark_uncertain(ids["uncertain"], error="x" * 2000)
        await outbox.retry_later(
            ids["retried"], not_before_at=retry_at, error="TimedOut", attempt_counts=True
        )
        # A flood limit (429) is not the message's fault: its attempt is given back.
        await outbox.retry_later(
            ids["flooded"], not_before_at=retry_at, error="RetryAfter(30)", attempt_counts=False
        )
        await outbox.mark_failed(404, error="missing")  # nothing to settle: no error
        await outbox.mark_sent_many([])

    sent, failed, uncertain, retried, flooded = [
        await _by_key(session_factory, key) for key in keys
    ]
    assert (sent.status, sent.sent_at, sent.telegram_message_id, sent.attempts) == (
        OutboxStatus.SENT,
        NOW + timedelta(seconds=1),
        77,
        1,
    )
    assert (failed.status, failed.last_error) == (
        OutboxStatus.FAILED,
        "Forbidden: bot was blocked",
    )
    assert uncertain.status is OutboxStatus.UNCERTAIN
    assert uncertain.last_error is not None
    assert len(uncertain.last_error) == MAX_ERROR_LENGTH
    assert (retried.status, retried.not_before_at, retried.attempts, retried.last_error) == (
        OutboxStatus.PENDING,
        retry_at,
        1,
        "TimedOut",
    )
    assert (flooded.status, flooded.not_before_at, flooded.attempts) == (
        OutboxStatus.PENDING,
        retry_at,
        0,
    )
    async with session_factory() as session:
        outbox = OutboxRepository(session)
        assert await outbox.due(now=retry_at - timedelta(seconds=1), limit=10) == []
        assert {m.id for m in await outbox.due(now=retry_at, limit=10)} == {
            ids["retried"],
            ids["flooded"],
        }


async def test_messages_never_sent_go_back_to_the_queue_with_their_attempt(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _queue(session_factory, "a", "b")
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        await outbox.start_sending_many([ids["a"]], now=NOW)
        # Only `sending` messages go back; a pending one is left as it is.
        await outbox.unclaim([ids["a"], ids["b"]])
        await outbox.unclaim([])
    for key in ("a", "b"):
        message = await _by_key(session_factory, key)
        assert (message.status, message.attempts) == (OutboxStatus.PENDING, 0)


async def test_quiet_hours_postpone_only_messages_still_queued(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _queue(session_factory, "queued", "sending")
    morning = NOW + timedelta(hours=10)
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        await outbox.start_sending_many([ids["sending"]], now=NOW)
        await outbox.postpone(ids["queued"], not_before_at=morning, error="quiet hours")
        await outbox.postpone(ids["sending"], not_before_at=morning, error="quiet hours")
    queued = await _by_key(session_factory, "queued")
    sending = await _by_key(session_factory, "sending")
    assert (queued.status, queued.not_before_at, queued.last_error, queued.attempts) == (
        OutboxStatus.PENDING,
        morning,
        "quiet hours",
        0,
    )
    assert (sending.status, sending.not_before_at, sending.last_error) == (
        OutboxStatus.SENDING,
        NOW,
        None,
    )


async def test_messages_left_sending_by_a_dead_dispatcher_are_never_resent(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    ids = await _queue(session_factory, "in_flight", "queued")
    async with session_factory.begin() as session:
        await OutboxRepository(session).start_sending_many([ids["in_flight"]], now=NOW)
    async with session_factory.begin() as session:
        assert await OutboxRepository(session).recover_sending(error="dispatcher died") == 1
    in_flight = await _by_key(session_factory, "in_flight")
    assert (in_flight.status, in_flight.last_error) == (
        OutboxStatus.UNCERTAIN,
        "dispatcher died",
    )
    assert (await _by_key(session_factory, "queued")).status is OutboxStatus.PENDING
    async with session_factory.begin() as session:
        assert await OutboxRepository(session).recover_sending(error="again") == 0


async def test_a_person_who_blocked_the_bot_gets_nothing_more(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    blocked = await add_patient(session_factory, telegram_user_id=1)
    other = await add_patient(session_factory, telegram_user_id=2)
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        for key, patient in (("b1", blocked), ("b2", blocked), ("sent", blocked), ("o", other)):
            await outbox.enqueue(
                NewOutboxMessage(
                    idempotency_key=key,
                    chat_id=patient.chat_id,
                    kind=OutboxKind.NUDGE,
                    payload={},
                    patient_id=patient.id,
                ),
                NOW,
            )
        assert await outbox.start_sending_many([await _id_of(outbox, "sent")], now=NOW)
        assert await outbox.fail_pending_for_patient(blocked.id, error="blocked") == 2
    assert [(await _by_key(session_factory, k)).status for k in ("b1", "b2", "sent", "o")] == [
        OutboxStatus.FAILED,
        OutboxStatus.FAILED,
        OutboxStatus.SENDING,
        OutboxStatus.PENDING,
    ]
    assert (await _by_key(session_factory, "b1")).last_error == "blocked"
