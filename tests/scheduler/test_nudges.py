"""Nudges: one gentle follow-up per unanswered check-in, never in quiet hours, with
"later today" (one more, 2 hours on) and "not today"."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import NudgeTap
from core.clock import FakeClock
from core.domain import CheckIn, CheckInStatus, OutboxKind, Patient, PatientStatus
from core.store.repositories import CheckInRepository, MessageLogRepository, PatientRepository
from core.store.tables import CheckInRow
from messages import scheduled
from messages.render import render
from messages.schema import Kind
from scheduler.nudges import NudgeReplyKind, reply_to_nudge
from tests.messages.helpers import shipped
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    FakeSender,
    add_active_patient,
    check_ins,
    make_dispatcher,
    make_ticker,
    outbox,
    test_codec,
)

SessionFactory = async_sessionmaker[AsyncSession]
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
pytestmark = SQLITE_ONLY


async def _delivered_checkin(
    session_factory: SessionFactory,
    clock: FakeClock,
    *,
    checkin_time: str = "09:00",
    quiet: tuple[str, str] = ("21:00", "08:00"),
    user: int = 1,
) -> tuple[Patient, CheckIn]:
    """A person whose check-in has just been delivered (London, winter: local = UTC)."""
    patient = await add_active_patient(
        session_factory,
        telegram_user_id=user,
        now=clock.now(),
        checkin_time=checkin_time,
        quiet=quiet,
    )
    report = await make_ticker(session_factory, clock).tick()
    assert report.next_due_at is not None
    clock.set(report.next_due_at)
    await make_ticker(session_factory, clock).tick()
    await make_dispatcher(session_factory, FakeSender(), clock).drain()
    (check_in,) = await check_ins(session_factory, patient.id)
    assert check_in.sent_at == clock.now()
    return patient, check_in


async def _tick_at(session_factory: SessionFactory, clock: FakeClock, moment: datetime) -> int:
    clock.set(moment)
    return (await make_ticker(session_factory, clock).tick()).nudges_queued


async def _reply(
    session_factory: SessionFactory, patient: Patient, check_in: CheckIn, choice: str, at: datetime
) -> NudgeReplyKind:
    async with session_factory.begin() as session:
        reply = await reply_to_nudge(
            session,
            patient=patient,
            check_in_id=check_in.id,
            choice="later" if choice == "later" else "no",
            now=at,
        )
    return reply.kind


async def test_one_nudge_three_hours_after_delivery_with_its_two_buttons(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient, check_in = await _delivered_checkin(session_factory, clock)
    assert check_in.nudge_due_at == utc(2027, 1, 4, 12)
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 11, 59)) == 0
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 12)) == 1
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 16)) == 0
    (nudge,) = await outbox(session_factory, OutboxKind.NUDGE.value)
    assert nudge.idempotency_key == f"nudge:{check_in.id}:1"
    labels = [b["label"] for b in nudge.payload["keyboard"][0]]
    assert labels == [scheduled.LATER_TODAY, scheduled.NOT_TODAY]
    taps = [test_codec().decode(b["data"], patient.id) for b in nudge.payload["keyboard"][0]]
    assert taps == [NudgeTap(check_in.id, "later"), NudgeTap(check_in.id, "no")]
    # Its words come from the library; the variant is logged (not kept in the payload).
    async with session_factory() as session:
        (used,) = await MessageLogRepository(session).recent_ids(patient.id, [Kind.NUDGE.value])
    assert nudge.payload["text"] == render(shipped().get(used), checkin_time="09:00")
    assert "library_id" not in nudge.payload


async def test_no_nudge_once_the_person_has_answered(session_factory: SessionFactory) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    _, check_in = await _delivered_checkin(session_factory, clock)
    async with session_factory.begin() as session:
        await CheckInRepository(session).record_answer(
            check_in, item=check_in.items[0], value=None, now=utc(2027, 1, 4, 10)
        )
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 12)) == 0


async def test_a_nudge_that_would_fall_in_quiet_hours_waits_for_their_end_the_same_day(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    _, check_in = await _delivered_checkin(
        session_factory, clock, checkin_time="17:30", quiet=("20:00", "21:00")
    )
    assert check_in.nudge_due_at == utc(2027, 1, 4, 21)  # 20:30 is quiet; 21:00 is not


async def test_no_nudge_when_quiet_hours_last_until_the_next_day(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    _, check_in = await _delivered_checkin(
        session_factory, clock, checkin_time="19:00", quiet=("21:00", "08:00")
    )
    assert check_in.nudge_due_at is None
    assert await _tick_at(session_factory, clock, utc(2027, 1, 5, 8, 30)) == 0


async def test_later_today_sends_one_more_reminder_two_hours_on_and_no_more(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient, check_in = await _delivered_checkin(session_factory, clock)
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 12)) == 1
    assert await _reply(session_factory, patient, check_in, "later", utc(2027, 1, 4, 12, 5)) is (
        NudgeReplyKind.LATER
    )
    (stored,) = await check_ins(session_factory, patient.id)
    assert stored.nudge_due_at == utc(2027, 1, 4, 14, 5)
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 14, 5)) == 1
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 18)) == 0
    nudges = await outbox(session_factory, OutboxKind.NUDGE.value)
    assert [m.idempotency_key for m in nudges] == [
        f"nudge:{check_in.id}:1",
        f"nudge:{check_in.id}:2",
    ]
    # The reminder is not the same words as the nudge before it.
    assert nudges[0].payload["text"] != nudges[1].payload["text"]
    async with session_factory() as session:
        first, second = await MessageLogRepository(session).recent_ids(
            patient.id, [Kind.NUDGE.value]
        )
    assert first != second
    # A second tap changes nothing.
    assert await _reply(session_factory, patient, check_in, "later", utc(2027, 1, 4, 18)) is (
        NudgeReplyKind.ALREADY_CHOSEN
    )


async def test_later_in_the_evening_is_too_late_for_another_reminder(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient, check_in = await _delivered_checkin(session_factory, clock, checkin_time="16:00")
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 19)) == 1
    kind = await _reply(session_factory, patient, check_in, "later", utc(2027, 1, 4, 19, 30))
    assert kind is NudgeReplyKind.LATER_TOO_LATE
    (stored,) = await check_ins(session_factory, patient.id)
    assert stored.nudge_due_at is None


async def test_not_today_stops_reminders(session_factory: SessionFactory) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient, check_in = await _delivered_checkin(session_factory, clock)
    kind = await _reply(session_factory, patient, check_in, "no", utc(2027, 1, 4, 10))
    assert kind is NudgeReplyKind.NOT_TODAY
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 12)) == 0
    assert await outbox(session_factory, OutboxKind.NUDGE.value) == []


async def test_no_nudge_for_a_closed_checkin_or_a_paused_person(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    first = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    second = await add_active_patient(session_factory, telegram_user_id=2, now=clock.now())
    clock.set(utc(2027, 1, 4, 9))
    await make_ticker(session_factory, clock).tick()
    await make_dispatcher(session_factory, FakeSender(), clock).drain()
    closed, paused = await check_ins(session_factory)
    assert closed.patient_id == first.id
    assert closed.nudge_due_at == paused.nudge_due_at == utc(2027, 1, 4, 12)
    async with session_factory.begin() as session:
        await session.execute(
            update(CheckInRow)
            .where(CheckInRow.id == closed.id)
            .values(status=CheckInStatus.CLOSED.value)
        )
        await PatientRepository(session).update_status(
            second.id, PatientStatus.PAUSED, clock.now(), paused_until_at=utc(2027, 1, 6)
        )
    assert await _tick_at(session_factory, clock, utc(2027, 1, 4, 12)) == 0


async def test_a_tap_on_someone_elses_checkin_changes_nothing(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    _, check_in = await _delivered_checkin(session_factory, clock, user=1)
    other = await add_active_patient(session_factory, telegram_user_id=2, now=clock.now())
    kind = await _reply(session_factory, other, check_in, "no", utc(2027, 1, 4, 10))
    assert kind is NudgeReplyKind.NOT_OWNED
    (stored, *_) = await check_ins(session_factory)
    assert stored.nudge_reply is None
