"""The tick fires a batch of check-ins set-based: the same check-ins and messages whatever the
batch size, once each, in a fixed number of SQL statements, and one person's trouble never
holds back anyone else's."""

from __future__ import annotations

import hashlib
import hmac
from base64 import urlsafe_b64encode
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import FakeClock
from core.domain import CHECK_IN_KEY, CheckInSlot, CheckInStatus, OutboxKind, Patient, ScheduleKind
from core.ports import OutgoingMessage
from core.store.repositories import (
    ActivityRepository,
    CheckInRepository,
    OutboxRepository,
    ScheduleRepository,
)
from core.store.repositories.outbox import NewOutboxMessage
from messages.checkin_message import render_checkin
from scheduler import checkins as checkins_module
from scheduler.checkins import CheckInRequest, checkin_states, open_checkin
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    FakeSender,
    add_active_patient,
    add_check_in,
    check_ins,
    keys,
    make_dispatcher,
    make_ticker,
    outbox,
    statements,
    test_codec,
)

SessionFactory = async_sessionmaker[AsyncSession]
JOINED = utc(2027, 1, 10, 8)  # Sunday: the summary day, so check-ins ask the weekly items too
DUE = utc(2027, 1, 10, 9)  # 09:00 in London (winter: UTC)
TODAY = date(2027, 1, 10)


async def _people(
    session_factory: SessionFactory, count: int, first_user: int = 100
) -> list[Patient]:
    """`count` people due at 09:00 London, some with activities (asked on the summary day)."""
    people = []
    for n in range(count):
        patient = await add_active_patient(
            session_factory, telegram_user_id=first_user + n, now=JOINED
        )
        if n % 2 == 0:
            async with session_factory.begin() as session:
                labels = ["walk the dog", "gardening", "see Sam"][: 1 + n % 3]
                await ActivityRepository(session).replace(patient.id, labels, JOINED)
        people.append(patient)
    return people


async def _schedule_due(session_factory: SessionFactory, patient_id: int) -> datetime | None:
    async with session_factory() as session:
        row = await ScheduleRepository(session).get(patient_id, ScheduleKind.CHECKIN)
    assert row is not None
    return row.next_due_at


def _taps(message: OutgoingMessage, patient_id: int, check_in_id: int) -> list[dict[str, Any]]:
    """What the message's buttons do when its own person taps them (each is for the check-in
    `check_in_id`, which is left out of what is returned)."""
    codec = test_codec()
    taps = []
    for row in message.keyboard:
        for button in row:
            tap = asdict(codec.decode(button.data, patient_id))
            assert tap.pop("check_in_id") == check_in_id
            taps.append(tap)
    return taps


async def test_a_batch_of_one_and_a_batch_of_many_give_the_same_checkins_and_messages(
    session_factory: SessionFactory,
) -> None:
    # Two groups of people alike in every choice: the first six are fired a batch of one at a
    # time, the other six in one batch. Claims go by due time, then row id: people in order.
    alone = await _people(session_factory, 6, first_user=100)
    together = await _people(session_factory, 6, first_user=200)
    clock = FakeClock(DUE)
    one_by_one = await make_ticker(session_factory, clock, batch_size=1, max_batches=6).tick()
    assert one_by_one.checkins_queued == 6
    assert one_by_one.more_due
    assert [len(await check_ins(session_factory, p.id)) for p in together] == [0] * 6
    in_one_batch = await make_ticker(session_factory, clock, batch_size=50).tick()
    assert in_one_batch.checkins_queued == 6
    assert not in_one_batch.more_due
    messages = {m.patient_id: m for m in await outbox(session_factory, OutboxKind.CHECKIN.value)}
    assert len(messages) == 12
    sender = FakeSender()
    assert (await make_dispatcher(session_factory, sender, clock).drain()).sent == 12
    received = dict(sender.sent)
    codec = test_codec()
    for single, batched in zip(alone, together, strict=True):
        (first,) = await check_ins(session_factory, single.id)
        (second,) = await check_ins(session_factory, batched.id)
        for patient, check_in in ((single, first), (batched, second)):
            message = messages[patient.id]
            assert message.idempotency_key == f"checkin:{check_in.id}"
            assert message.payload == {CHECK_IN_KEY: check_in.id}
            # What the bot renders when it edits the message later is what was sent.
            async with session_factory() as session:
                state = (await checkin_states(session, [check_in.id]))[check_in.id]
            assert received[patient.chat_id] == render_checkin(state, codec)
        # The same day, items, window and status either way ...
        assert (first.local_date, first.items, first.closes_at, first.status) == (
            second.local_date,
            second.items,
            second.closes_at,
            second.status,
        )
        # ... and the same words and buttons, each signed for its own person and check-in.
        sent_alone, sent_together = received[single.chat_id], received[batched.chat_id]
        assert sent_alone.text == sent_together.text
        assert [[b.label for b in row] for row in sent_alone.keyboard] == [
            [b.label for b in row] for row in sent_together.keyboard
        ]
        assert _taps(sent_alone, single.id, first.id) == _taps(
            sent_together, batched.id, second.id
        )
        # The summary day: the person's own activities and the reframe come last.
        async with session_factory() as session:
            activities = await ActivityRepository(session).labels(single.id)
        own = tuple(f"activity:{position}" for position in sorted(activities))
        assert first.items[-len(own) - 1 :] == (*own, "reframe")


async def test_someone_who_already_has_todays_checkin_gets_no_second_message(
    session_factory: SessionFactory,
) -> None:
    people = await _people(session_factory, 5)
    codec = test_codec()
    already_queued, answered = people[1], people[3]

    def request(patient: Patient) -> CheckInRequest:
        return CheckInRequest(
            patient=patient,
            local_date=TODAY,
            slot=CheckInSlot.DAILY,
            closes_at=utc(2027, 1, 11, 9),
        )

    async with session_factory.begin() as session:
        # A fire whose schedule row was then pushed back by hand: check-in and message exist.
        opened = await open_checkin(session, request(already_queued), now=JOINED)
        assert opened.created
        assert opened.to_send
        assert await OutboxRepository(session).enqueue(
            NewOutboxMessage(
                idempotency_key=f"checkin:{opened.check_in.id}",
                chat_id=already_queued.chat_id,
                kind=OutboxKind.CHECKIN.value,
                payload={CHECK_IN_KEY: opened.check_in.id},
                patient_id=already_queued.id,
            ),
            JOINED,
        )
        # Today's check-in exists with an answer already, but its message was never queued.
        started = await open_checkin(session, request(answered), now=JOINED)
        first = started.check_in.items[0]
        await CheckInRepository(session).record_answer(
            started.check_in, item=first, value=4, now=JOINED
        )
    report = await make_ticker(session_factory, FakeClock(DUE)).tick()
    assert report.checkins_queued == 4
    messages = await outbox(session_factory, OutboxKind.CHECKIN.value)
    assert len(messages) == 5
    assert len(set(keys(messages))) == 5
    for patient in people:
        fired = await check_ins(session_factory, patient.id)
        assert len(fired) == 1  # found, not made again
        assert [m.patient_id for m in messages].count(patient.id) == 1
    # The message for the check-in with an answer shows it, and asks the next question.
    async with session_factory() as session:
        states = await checkin_states(session, [started.check_in.id, opened.check_in.id])
    state = states[started.check_in.id]
    assert state.showing == 1
    sender = FakeSender()
    await make_dispatcher(session_factory, sender, FakeClock(DUE)).drain()
    received = dict(sender.sent)
    assert received[answered.chat_id] == render_checkin(state, codec)
    assert "✓" in received[answered.chat_id].text
    # The message queued before the tick goes out once, rendered from its check-in.
    assert received[already_queued.chat_id] == render_checkin(states[opened.check_in.id], codec)
    assert [chat for chat, _ in sender.sent].count(already_queued.chat_id) == 1
    # Everyone's schedule moved on to tomorrow.
    for patient in people:
        assert await _schedule_due(session_factory, patient.id) == utc(2027, 1, 11, 9)


async def test_a_baseline_today_takes_the_place_of_the_scheduled_checkin_in_a_batch(
    session_factory: SessionFactory,
) -> None:
    people = await _people(session_factory, 4)
    await add_check_in(
        session_factory,
        patient_id=people[2].id,
        local_date=TODAY,
        slot=CheckInSlot.BASELINE.value,
        items=["moving_freely"],
        closes_at=utc(2027, 1, 11, 9),
        now=JOINED,
    )
    report = await make_ticker(session_factory, FakeClock(DUE)).tick()
    assert report.checkins_queued == 3
    assert report.skipped == 1
    assert [c.slot for c in await check_ins(session_factory, people[2].id)] == ["baseline"]
    queued = {m.patient_id for m in await outbox(session_factory, OutboxKind.CHECKIN.value)}
    assert queued == {p.id for p in people if p != people[2]}
    assert await _schedule_due(session_factory, people[2].id) == utc(2027, 1, 11, 9)


async def test_when_one_persons_data_breaks_the_batch_everyone_else_is_queued_once(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await _people(session_factory, 6)
    broken = people[3].id
    original = checkins_module.choose_items

    def flaky(patient: Patient, *args: Any) -> list[str]:
        if patient.id == broken:
            raise ValueError("this person's preferences cannot be read")
        return original(patient, *args)

    # Both paths choose items here: the batch fails, then the one-by-one retry sets aside
    # only the person whose data fails.
    monkeypatch.setattr(checkins_module, "choose_items", flaky)
    clock = FakeClock(DUE)
    report = await make_ticker(session_factory, clock, batch_size=50).tick()
    assert report.checkins_queued == 5
    assert report.failed == 1
    messages = await outbox(session_factory, OutboxKind.CHECKIN.value)
    assert [m.patient_id for m in messages] == [p.id for p in people if p.id != broken]
    assert await _schedule_due(session_factory, broken) == utc(2027, 1, 10, 9, 15)
    # Fixed, the set-aside person is asked 15 minutes later, and nobody twice.
    monkeypatch.setattr(checkins_module, "choose_items", original)
    clock.set(utc(2027, 1, 10, 9, 15))
    report = await make_ticker(session_factory, clock).tick()
    assert report.checkins_queued == 1
    messages = await outbox(session_factory, OutboxKind.CHECKIN.value)
    assert [m.patient_id for m in messages] == [p.id for p in people if p.id != broken] + [broken]
    assert len(set(keys(messages))) == 6


async def test_missed_and_sent_checkins_mix_in_one_batch(
    session_factory: SessionFactory,
) -> None:
    # Down from 08:00 until 09:20: the window is open, but 20 minutes late. One person is in
    # quiet hours then (their check-in is recorded as missed), the others are not.
    people = await _people(session_factory, 3)
    night = await add_active_patient(
        session_factory,
        telegram_user_id=900,
        now=JOINED,
        checkin_time="09:00",
        quiet=("09:10", "12:00"),
    )
    # Their check-in time is before quiet hours start, so it stays at 09:00.
    assert await _schedule_due(session_factory, night.id) == DUE
    report = await make_ticker(session_factory, FakeClock(utc(2027, 1, 10, 9, 20))).tick()
    assert report.checkins_queued == 3
    assert report.checkins_missed == 1
    (missed,) = await check_ins(session_factory, night.id)
    assert missed.status is CheckInStatus.MISSED_DOWNTIME
    assert {m.patient_id for m in await outbox(session_factory)} == {p.id for p in people}


async def test_a_batch_takes_the_same_number_of_statements_for_5_or_40_people(
    engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    few = await _people(session_factory, 5, first_user=100)
    many = [
        await add_active_patient(
            session_factory, telegram_user_id=1000 + n, now=JOINED, checkin_time="10:00"
        )
        for n in range(40)
    ]
    clock = FakeClock(JOINED)
    ticker = make_ticker(session_factory, clock)
    await ticker.tick()  # nothing due yet (and the one-off sweep for missing schedules)
    clock.set(DUE)
    with statements(engine) as small:
        assert (await ticker.tick()).checkins_queued == len(few)
    clock.set(utc(2027, 1, 10, 10))
    with statements(engine) as large:
        assert (await ticker.tick()).checkins_queued == len(many)
    assert len(large) == len(small)
    assert [s.split()[0] for s in large] == [s.split()[0] for s in small]


async def test_a_tick_with_nothing_due_is_one_short_read(
    engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    await _people(session_factory, 3)
    clock = FakeClock(JOINED)
    ticker = make_ticker(session_factory, clock)
    await ticker.tick()  # the one-off sweep for missing schedules
    with statements(engine) as sent:
        report = await ticker.tick()
    assert report.queued == 0
    assert report.next_due_at == DUE
    # One transaction of two small reads: no claim, no write. (SQLite's BEGIN IMMEDIATE is
    # seen here; PostgreSQL's BEGIN is not.)
    assert sum(s.startswith("BEGIN") for s in sent) <= 1
    assert [s.split()[0] for s in sent if not s.startswith("BEGIN")] == ["SELECT", "SELECT"]


def _signature(key: bytes, patient_id: int, data: str) -> tuple[str, str]:
    body, signature = data.rsplit(":", 1)
    digest = hmac.new(key, f"{patient_id}|{body}".encode(), hashlib.sha256).digest()
    return signature, urlsafe_b64encode(digest[:6]).decode().rstrip("=")


def test_button_signatures_are_hmac_sha256_of_the_owner_and_the_data() -> None:
    for key in (bytes(range(16)), b"k" * 32, b"x" * 64, b"y" * 65, bytes(range(100))):
        codec = CallbackCodec(key)
        signed = [
            codec.answer(4242, 987654, 3, 2),
            codec.answer(4242, 987654, 0, None),
            codec.review(4242, 12, 1),
            codec.note(4242, 12),
            codec.nudge(4242, 12, "later"),
        ]
        for data in signed:
            got, expected = _signature(key, 4242, data)
            assert got == expected
            assert codec.decode(data, 4242)
