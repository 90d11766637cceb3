"""Scheduled check-ins are queued naming only their check-in: the dispatcher renders each from
the stored check-in just before sending it, so the person gets the message the bot itself
renders for the check-in as it is then (answers given meanwhile, their own activity labels);
a check-in that is gone by then is not sent."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.callbacks import AnswerTap
from core.clock import FakeClock
from core.domain import CHECK_IN_KEY, OutboxKind, OutboxStatus, Patient
from core.ports import OutgoingMessage
from core.store.repositories import ActivityRepository, CheckInRepository
from core.store.repositories.erasure import ErasureRepository, the_patient
from core.store.tables import CheckInRow
from messages.checkin_message import render_checkin
from scheduler.checkins import checkin_states
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    FakeSender,
    add_active_patient,
    check_ins,
    make_dispatcher,
    make_ticker,
    outbox,
    statements,
    test_codec,
)

SessionFactory = async_sessionmaker[AsyncSession]
JOINED = utc(2027, 1, 10, 8)  # Sunday: the summary day, so check-ins ask the weekly items too
DUE = utc(2027, 1, 10, 9)  # 09:00 in London (winter: UTC)
LABELS = ["walk the dog", "gardening", "see Sam"]


async def _people(session_factory: SessionFactory, count: int) -> list[Patient]:
    """`count` people due at 09:00 London; every other one with their own activities."""
    people = []
    for n in range(count):
        patient = await add_active_patient(session_factory, telegram_user_id=500 + n, now=JOINED)
        if n % 2 == 0:
            async with session_factory.begin() as session:
                await ActivityRepository(session).replace(patient.id, LABELS[: 1 + n % 3], JOINED)
        people.append(patient)
    return people


async def _checkin_payloads(session_factory: SessionFactory) -> dict[int, dict[str, Any]]:
    """chat id -> the payload of its queued check-in message."""
    return {m.chat_id: m.payload for m in await outbox(session_factory, OutboxKind.CHECKIN.value)}


async def _rendered_now(session_factory: SessionFactory) -> dict[int, OutgoingMessage]:
    """chat id -> its queued check-in rendered from the check-in as stored now, as the bot
    renders it when it edits the message later."""
    payloads = await _checkin_payloads(session_factory)
    async with session_factory() as session:
        states = await checkin_states(session, [p[CHECK_IN_KEY] for p in payloads.values()])
    return {
        chat: render_checkin(states[payload[CHECK_IN_KEY]], test_codec())
        for chat, payload in payloads.items()
    }


async def test_a_checkin_is_sent_as_the_bot_renders_its_stored_check_in(
    session_factory: SessionFactory,
) -> None:
    people = await _people(session_factory, 6)
    clock = FakeClock(DUE)
    report = await make_ticker(session_factory, clock).tick()
    assert report.checkins_queued == 6
    payloads = await _checkin_payloads(session_factory)
    # The queued message names its check-in and holds nothing else.
    by_patient = {c.patient_id: c.id for c in await check_ins(session_factory)}
    assert payloads == {p.chat_id: {CHECK_IN_KEY: by_patient[p.id]} for p in people}
    expected = await _rendered_now(session_factory)
    sender = FakeSender()
    assert (await make_dispatcher(session_factory, sender, clock).drain()).sent == 6
    received = dict(sender.sent)
    assert received == expected
    # Heading, items and the person's own activity labels: all there, and taps decode alike.
    codec = test_codec()
    for patient in people:
        (check_in,) = await check_ins(session_factory, patient.id)
        message = received[patient.chat_id]
        assert message.text.startswith("Your check-in for Sunday 10 January")
        assert f"Question 1 of {len(check_in.items)}" in message.text
        taps = [codec.decode(b.data, patient.id) for row in message.keyboard for b in row]
        assert taps[:5] == [AnswerTap(check_in.id, 0, value) for value in range(1, 6)]
        assert taps[5] == AnswerTap(check_in.id, 0, None)
        assert check_in.telegram_message_id is not None


async def test_a_checkin_shows_the_persons_own_activity_labels_when_sent(
    session_factory: SessionFactory,
) -> None:
    # Someone whose check-in asks only about their activity: its label must be in the text.
    (patient,) = await _people(session_factory, 1)
    clock = FakeClock(DUE)
    await make_ticker(session_factory, clock).tick()
    (check_in,) = await check_ins(session_factory, patient.id)
    position = check_in.items.index("activity:1")
    async with session_factory.begin() as session:
        await session.execute(
            update(CheckInRow)
            .where(CheckInRow.id == check_in.id)
            .values(items=list(check_in.items[position:]))
        )
    sender = FakeSender()
    await make_dispatcher(session_factory, sender, clock).drain()
    ((chat, message),) = sender.sent
    assert chat == patient.chat_id
    assert f"“{LABELS[0]}”" in message.text
    assert "0 means not at all, 10 means fully" in message.text
    buttons = [b for row in message.keyboard for b in row]
    assert [b.label for b in buttons[:11]] == [str(n) for n in range(11)]
    assert test_codec().decode(buttons[-1].data, patient.id) == AnswerTap(check_in.id, 0, None)


async def test_what_changed_before_sending_shows_in_the_message(
    session_factory: SessionFactory,
) -> None:
    # Between the tick and the send, the person answers the first question and renames an
    # activity: the message shows the answer, asks the next question, and uses the new name.
    (patient,) = await _people(session_factory, 1)
    clock = FakeClock(DUE)
    await make_ticker(session_factory, clock).tick()
    (check_in,) = await check_ins(session_factory, patient.id)
    assert check_in.items[-2:] == ("activity:1", "reframe")
    async with session_factory.begin() as session:
        await CheckInRepository(session).record_answer(
            check_in, item=check_in.items[0], value=4, now=clock.now()
        )
        await ActivityRepository(session).replace(patient.id, ["swim"], clock.now())
    # Only the activity question is left: skip the others as if answered.
    async with session_factory.begin() as session:
        for item in check_in.items[1:-2]:
            await CheckInRepository(session).record_answer(
                check_in, item=item, value=None, now=clock.now()
            )
    sender = FakeSender()
    await make_dispatcher(session_factory, sender, clock).drain()
    ((chat, message),) = sender.sent
    assert chat == patient.chat_id
    assert "✓" in message.text
    assert "skipped" in message.text
    assert "“swim”" in message.text
    assert f"“{LABELS[0]}”" not in message.text
    position = len(check_in.items) - 2
    assert f"Question {position + 1} of {len(check_in.items)}" in message.text
    first = test_codec().decode(message.keyboard[0][0].data, patient.id)
    assert first == AnswerTap(check_in.id, position, 0)


async def test_a_chats_checkins_go_out_in_the_order_queued(
    session_factory: SessionFactory,
) -> None:
    people = await _people(session_factory, 4)
    clock = FakeClock(DUE)
    await make_ticker(session_factory, clock).tick()
    clock.set(utc(2027, 1, 11, 9))  # the next day's check-ins, while Sunday's still wait
    await make_ticker(session_factory, clock).tick()
    sender = FakeSender()
    assert (await make_dispatcher(session_factory, sender, clock).drain()).sent == 8
    for patient in people:
        mine = [m.text.split("\n")[0] for chat, m in sender.sent if chat == patient.chat_id]
        assert mine == [
            "Your check-in for Sunday 10 January",
            "Your check-in for Monday 11 January",
        ]


async def test_a_checkin_erased_before_sending_is_not_sent_and_the_round_goes_on(
    session_factory: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    people = await _people(session_factory, 5)
    clock = FakeClock(DUE)
    await make_ticker(session_factory, clock).tick()
    erased, gone = people[0], people[2]
    async with session_factory.begin() as session:
        # /delete: the person and everything of theirs, their queued message too.
        assert (await ErasureRepository(session).erase(the_patient(erased.id))).people == 1
        # The check-in alone gone while its message waits (it cannot be rendered any more).
        await session.execute(delete(CheckInRow).where(CheckInRow.patient_id == gone.id))
    sender = FakeSender()
    with caplog.at_level(logging.DEBUG):
        report = await make_dispatcher(session_factory, sender, clock).drain()
    assert report.sent == 3
    assert report.failed == 1
    assert {chat for chat, _ in sender.attempts} == {
        p.chat_id for p in people if p not in (erased, gone)
    }
    (left,) = [m for m in await outbox(session_factory) if m.patient_id == gone.id]
    assert left.status is OutboxStatus.FAILED
    assert left.last_error == "not sent: its check-in no longer exists"
    assert not [m for m in await outbox(session_factory) if m.patient_id == erased.id]
    # Ids and the reason only: no labels, no message text.
    assert not any(label in caplog.text for label in LABELS)
    assert "Your check-in" not in caplog.text
    # The next round is not held up by it.
    assert (await make_dispatcher(session_factory, sender, clock).drain()).claimed == 0


async def test_a_checkin_that_cannot_be_rendered_is_not_sent(
    session_factory: SessionFactory,
) -> None:
    people = await _people(session_factory, 3)
    clock = FakeClock(DUE)
    await make_ticker(session_factory, clock).tick()
    broken = people[1]
    async with session_factory.begin() as session:
        await session.execute(
            update(CheckInRow)
            .where(CheckInRow.patient_id == broken.id)
            .values(items=["no_such_marker"])
        )
    sender = FakeSender()
    report = await make_dispatcher(session_factory, sender, clock).drain()
    assert (report.sent, report.failed) == (2, 1)
    assert broken.chat_id not in {chat for chat, _ in sender.attempts}
    (left,) = [m for m in await outbox(session_factory) if m.patient_id == broken.id]
    assert left.status is OutboxStatus.FAILED
    assert left.last_error == "not sent: could not be rendered (ValueError)"


async def test_rendering_reads_once_per_group_not_once_per_message(
    engine: AsyncEngine, session_factory: SessionFactory
) -> None:
    await _people(session_factory, 40)
    clock = FakeClock(DUE)
    await make_ticker(session_factory, clock).tick()
    sender = FakeSender()
    dispatcher = make_dispatcher(session_factory, sender, clock, concurrency=8, write_batch=16)
    with statements(engine) as sent:
        assert (await dispatcher.drain()).sent == 40
    marks = [s for s in sent if s.startswith("UPDATE outbox SET status")]
    for table in ("activities", "answers"):
        reads = [s for s in sent if s.startswith("SELECT") and f"FROM {table}" in s]
        assert 1 <= len(reads) <= len(marks) < 40
    # Each person got their own check-in once, signed for them.
    assert len({chat for chat, _ in sender.sent}) == 40
    by_chat = {m.chat_id: m.patient_id for m in await outbox(session_factory)}
    codec = test_codec()
    for chat, message in sender.sent:
        patient_id = by_chat[chat]
        assert patient_id is not None
        (check_in,) = await check_ins(session_factory, patient_id)
        first = message.keyboard[0][0].data
        assert codec.decode(first, patient_id) == AnswerTap(check_in.id, 0, 1)
