"""The outbox dispatcher with a scripted Sender: what each outcome does, and the pacing."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.domain import OutboxKind, OutboxStatus, PatientStatus
from core.ports import OutgoingMessage, SendResult, SendStatus
from core.store.repositories import CheckInRepository, OutboxRepository
from core.store.repositories.outbox import NewOutboxMessage
from scheduler.delivery_report import delivery_report
from scheduler.dispatch_lock import LocalLock
from scheduler.dispatcher import Dispatcher, DispatchSettings
from scheduler.pacing import DeliveryLimits, Pacer
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    FakeSender,
    add_active_patient,
    check_ins,
    get_patient,
    make_dispatcher,
    make_ticker,
    outbox,
    seen,
    test_codec,
)

SessionFactory = async_sessionmaker[AsyncSession]
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NOW = utc(2027, 1, 4, 9)


async def _enqueue(
    session_factory: SessionFactory,
    chat_id: int,
    text: str = "hello",
    *,
    key: str | None = None,
    patient_id: int | None = None,
    kind: OutboxKind = OutboxKind.BROADCAST,
) -> int:
    idempotency_key = key or f"test:{chat_id}:{text}"
    async with session_factory.begin() as session:
        outbox_repository = OutboxRepository(session)
        assert await outbox_repository.enqueue(
            NewOutboxMessage(
                idempotency_key=idempotency_key,
                chat_id=chat_id,
                kind=kind.value,
                payload=OutgoingMessage(text).to_payload(),
                patient_id=patient_id,
            ),
            NOW,
        )
        message = await outbox_repository.get_by_key(idempotency_key)
    assert message is not None
    return message.id


@SQLITE_ONLY
async def test_a_429_waits_retry_after_and_never_uses_up_attempts(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(NOW)
    floods = iter(range(12))

    def script(chat_id: int, message: OutgoingMessage) -> SendResult | None:
        if next(floods, None) is not None:
            return SendResult(SendStatus.RETRY_AFTER, retry_after=7, error="RetryAfter")
        return None

    sender = FakeSender(script)
    dispatcher = make_dispatcher(session_factory, sender, clock, max_attempts=2)
    await _enqueue(session_factory, 42)
    for _ in range(12):
        report = await dispatcher.drain()
        assert report.flood_waits == 1
        (message,) = await outbox(session_factory)
        assert message.status is OutboxStatus.PENDING
        assert message.attempts == 0
        assert message.not_before_at == clock.now() + timedelta(seconds=7)
        assert (await dispatcher.drain()).claimed == 0  # not before retry_after
        clock.advance(7)
    assert (await dispatcher.drain()).sent == 1
    (message,) = await outbox(session_factory)
    assert message.status is OutboxStatus.SENT
    assert len(sender.sent) == 1


@SQLITE_ONLY
async def test_not_sent_is_retried_with_growing_delays_then_failed(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(NOW)
    sender = FakeSender(lambda chat, message: SendResult(SendStatus.NOT_SENT, error="502"))
    dispatcher = make_dispatcher(session_factory, sender, clock, max_attempts=5)
    await _enqueue(session_factory, 42)
    delays = []
    for _ in range(4):
        assert (await dispatcher.drain()).retried == 1
        (message,) = await outbox(session_factory)
        delay = (message.not_before_at - clock.now()).total_seconds()
        delays.append(delay)
        clock.advance(delay)
    assert delays == [2, 4, 8, 16]
    assert (await dispatcher.drain()).failed == 1
    (message,) = await outbox(session_factory)
    assert message.status is OutboxStatus.FAILED
    assert message.last_error == "502"
    assert len(sender.attempts) == 5


@SQLITE_ONLY
async def test_an_uncertain_send_is_recorded_and_never_resent(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(NOW)
    sender = FakeSender(
        lambda chat, message: SendResult(SendStatus.UNCERTAIN, error="ReadTimeout")
    )
    dispatcher = make_dispatcher(session_factory, sender, clock)
    await _enqueue(session_factory, 42)
    assert (await dispatcher.drain()).uncertain == 1
    clock.advance(3600)
    assert (await dispatcher.drain()).claimed == 0
    (message,) = await outbox(session_factory)
    assert message.status is OutboxStatus.UNCERTAIN
    assert len(sender.attempts) == 1


@SQLITE_ONLY
async def test_rejected_is_failed_at_once(session_factory: SessionFactory) -> None:
    clock = FakeClock(NOW)
    sender = FakeSender(
        lambda chat, message: SendResult(SendStatus.REJECTED, error="chat not found")
    )
    dispatcher = make_dispatcher(session_factory, sender, clock)
    await _enqueue(session_factory, 42)
    assert (await dispatcher.drain()).failed == 1
    assert (await outbox(session_factory))[0].status is OutboxStatus.FAILED


@SQLITE_ONLY
async def test_blocked_makes_the_person_unreachable_and_stops_everything_for_them(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    blocker = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    other = await add_active_patient(session_factory, telegram_user_id=2, now=clock.now())
    clock.set(utc(2027, 1, 4, 9))
    await make_ticker(session_factory, clock).tick()
    later = await _enqueue(session_factory, 1, "later one", patient_id=blocker.id)

    def script(chat_id: int, message: OutgoingMessage) -> SendResult | None:
        if chat_id == blocker.chat_id:
            return SendResult(SendStatus.BLOCKED, error="Forbidden: bot was blocked by the user")
        return None

    sender = FakeSender(script)
    report = await make_dispatcher(session_factory, sender, clock).drain()
    # One attempt tells: the person's other message is given up without a second try.
    assert [chat for chat, _ in sender.attempts].count(blocker.chat_id) == 1
    assert report.blocked == 2
    assert report.sent == 1
    assert (await get_patient(session_factory, blocker.id)).status is PatientStatus.UNREACHABLE
    statuses = {m.id: m.status for m in await outbox(session_factory)}
    assert statuses[later] is OutboxStatus.FAILED
    # The next tick schedules nothing for them; the other person carries on.
    clock.set(utc(2027, 1, 5, 9))
    report_next = await make_ticker(session_factory, clock).tick()
    assert report_next.checkins_queued == 1
    assert {c.patient_id for c in await check_ins(session_factory)} == {blocker.id, other.id}
    assert len(await check_ins(session_factory, blocker.id)) == 1


@SQLITE_ONLY
async def test_a_delivered_checkin_records_its_message_id_and_counts_by_kind(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    clock.set(utc(2027, 1, 4, 9))
    await make_ticker(session_factory, clock).tick()
    counts: Counter[str] = Counter()
    dispatcher = Dispatcher(
        session_factory,
        FakeSender(),
        clock=clock,
        lock=LocalLock(),
        settings=DispatchSettings(limits=DeliveryLimits.unlimited()),
        sent_by_kind=counts,
        codec=test_codec(),
    )
    await dispatcher.drain()
    (check_in,) = await check_ins(session_factory, patient.id)
    (message,) = await outbox(session_factory)
    assert check_in.telegram_message_id == message.telegram_message_id == 1001
    assert counts == Counter({"checkin": 1})


@SQLITE_ONLY
async def test_messages_left_mid_send_by_a_dead_dispatcher_become_uncertain(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(NOW)
    ids = [await _enqueue(session_factory, chat) for chat in (1, 2, 3)]
    async with session_factory.begin() as session:  # a dispatcher marks two, then dies
        await OutboxRepository(session).start_sending_many(ids[:2], now=NOW)
    sender = FakeSender()
    report = await make_dispatcher(session_factory, sender, clock).drain()
    assert report.recovered_uncertain == 2
    assert report.sent == 1
    assert [m.status for m in await outbox(session_factory)] == [
        OutboxStatus.UNCERTAIN,
        OutboxStatus.UNCERTAIN,
        OutboxStatus.SENT,
    ]
    assert [chat for chat, _ in sender.attempts] == [3]


@SQLITE_ONLY
async def test_sends_are_spaced_overall_and_per_chat_and_keep_each_chats_order(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(NOW)
    times: dict[int, list[float]] = defaultdict(list)
    every: list[float] = []

    def script(chat_id: int, message: OutgoingMessage) -> SendResult | None:
        times[chat_id].append(clock.monotonic())
        every.append(clock.monotonic())
        return None

    sender = FakeSender(script)
    limits = DeliveryLimits(per_second=4, private_chat_interval=1.05, group_interval=3.1)
    for n in range(4):
        for chat in (11, 12, -100):
            await _enqueue(session_factory, chat, f"m{n}")
    dispatcher = make_dispatcher(session_factory, sender, clock, limits=limits)
    assert (await dispatcher.drain()).sent == 12
    gaps = [b - a for a, b in itertools.pairwise(every)]
    assert min(gaps) >= 0.25 - 1e-9
    for chat, spacing in ((11, 1.05), (12, 1.05), (-100, 3.1)):
        chat_gaps = [b - a for a, b in zip(times[chat], times[chat][1:], strict=False)]
        assert min(chat_gaps) >= spacing - 1e-9
        texts = [message.text for sent_chat, message in sender.sent if sent_chat == chat]
        assert texts == ["m0", "m1", "m2", "m3"]
    # The whole batch took about as long as the slowest chat needs (the group's 3 gaps).
    assert every[-1] - every[0] < 3 * 3.1 + 1.0


@SQLITE_ONLY
async def test_a_chat_held_by_a_long_flood_wait_does_not_hold_up_the_others(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(NOW)
    first = True

    def script(chat_id: int, message: OutgoingMessage) -> SendResult | None:
        nonlocal first
        if chat_id == 7 and first:
            first = False
            return SendResult(SendStatus.RETRY_AFTER, retry_after=30)
        return None

    sender = FakeSender(script)
    await _enqueue(session_factory, 7, "a")
    await _enqueue(session_factory, 7, "b")
    for chat in range(20, 30):
        await _enqueue(session_factory, chat)
    dispatcher = make_dispatcher(
        session_factory,
        sender,
        clock,
        limits=DeliveryLimits(per_second=1000, private_chat_interval=1.05),
    )
    report = await dispatcher.drain()
    assert report.sent == 10
    assert report.flood_waits == 1
    assert report.requeued_held == 1
    assert clock.now() - NOW < timedelta(seconds=5)
    clock.advance(31)
    assert (await dispatcher.drain()).sent == 2
    assert [m.text for chat, m in sender.sent if chat == 7] == ["a", "b"]


def test_the_pacer_turns_a_rate_into_even_spacing_and_holds_chats_after_a_429() -> None:
    now = [0.0]
    pacer = Pacer(DeliveryLimits(per_second=25), lambda: now[0])
    ready = []
    for chat in range(5):
        now[0] = max(now[0], pacer.ready_at(chat))
        ready.append(now[0])
        pacer.take(chat)
    assert ready == pytest.approx([0.0, 0.04, 0.08, 0.12, 0.16])
    # A private chat waits a little over a second before its next message.
    assert pacer.chat_ready_at(4) == pytest.approx(now[0] + 1.05)
    # One chat's 429 holds that chat only ...
    pacer.flood(1, 2.0)
    assert pacer.chat_ready_at(1) == pytest.approx(now[0] + 2.0)
    assert pacer.ready_at(99) < now[0] + 1.0
    # ... but 429s from several chats in a row are the bot-wide limit: everything waits.
    pacer.flood(2, 2.0)
    pacer.flood(3, 2.0)
    assert pacer.ready_at(99) == pytest.approx(now[0] + 2.0)


def test_a_429_among_accepted_sends_is_that_chats_own() -> None:
    now = [0.0]
    pacer = Pacer(DeliveryLimits(per_second=25), lambda: now[0])
    for chat in (1, 2, 3):
        pacer.flood(chat, 5.0)
        pacer.accepted()  # another message went through meanwhile
    assert pacer.ready_at(99) < 1.0
    assert pacer.chat_ready_at(3) == pytest.approx(5.0)


@SQLITE_ONLY
async def test_the_delivery_report_counts_what_happened(session_factory: SessionFactory) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    answers, quiet, doubtful, refused = [
        await add_active_patient(session_factory, telegram_user_id=n, now=clock.now())
        for n in (1, 2, 3, 4)
    ]
    # Set up at 08:00 with 07:30 inside quiet hours: first due Tuesday 08:00.
    late = await add_active_patient(
        session_factory, telegram_user_id=5, now=clock.now(), checkin_time="07:30"
    )
    outcome = {
        doubtful.chat_id: SendResult(SendStatus.UNCERTAIN, error="ReadTimeout"),
        refused.chat_id: SendResult(SendStatus.REJECTED, error="Bad Request"),
    }
    sender = FakeSender(lambda chat, message: outcome.get(chat))
    clock.set(utc(2027, 1, 5, 9))  # Tuesday 09:00, after a day of downtime
    for person in (answers, quiet, doubtful, refused, late):
        await seen(session_factory, person.id, clock.now())
    await make_ticker(session_factory, clock).tick()
    await make_dispatcher(session_factory, sender, clock).drain()
    (answered,) = [c for c in await check_ins(session_factory, answers.id) if c.sent_at]
    async with session_factory.begin() as session:
        await CheckInRepository(session).record_answer(
            answered, item=answered.items[0], value=4, now=clock.now()
        )
    clock.set(utc(2027, 1, 5, 12))
    await make_ticker(session_factory, clock).tick()
    await make_dispatcher(session_factory, sender, clock).drain()
    async with session_factory() as session:
        report = await delivery_report(session)
    assert report.checkins_answered == 1
    assert report.nudged == 2  # the two who were sent Tuesday's check-in and did not answer
    assert report.uncertain == 1
    assert report.failed == 1
    assert report.pending == 0
    assert report.missed_downtime == 4  # Monday 09:00's, closed when N1 came back
    assert report.checkins_sent == 3
    assert report.sent == 5
    assert report.as_dict()["outbox"]["nudge"] == {"sent": 2}
