"""open_checkin(s): the right items on the right day, created once, rendered with buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import AnswerTap, CallbackCodec, derive_key
from core.domain import CheckInSlot, CheckInStatus, Patient
from core.store.repositories import ActivityRepository, PatientRepository
from messages.checkin_message import render_checkin
from scheduler.checkins import (
    CheckInRequest,
    checkin_states,
    is_weekly_day,
    open_checkin,
    open_checkins,
)

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # a Monday
CODEC = CallbackCodec(derive_key("test"))


async def _patient(session: AsyncSession) -> Patient:
    patients = PatientRepository(session)
    patient = await patients.add(telegram_user_id=1, chat_id=1, now=NOW)
    await ActivityRepository(session).replace(patient.id, ["walk the dog", "gardening"], NOW)
    return patient


def test_the_weekly_questions_go_with_the_summary_day_or_the_last_day_before_it() -> None:
    sunday, friday = date(2027, 1, 10), date(2027, 1, 8)
    assert is_weekly_day(sunday, 127, summary_weekday=6)
    assert not is_weekly_day(friday, 127, summary_weekday=6)
    weekdays = 0b0011111
    assert is_weekly_day(friday, weekdays, summary_weekday=6)
    assert not is_weekly_day(date(2027, 1, 7), weekdays, summary_weekday=6)


async def test_the_summary_day_check_in_adds_activities_and_the_reframe(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        patient = await _patient(session)
        sunday = await open_checkin(
            session,
            CheckInRequest(
                patient=patient,
                local_date=date(2027, 1, 10),
                slot=CheckInSlot.DAILY,
                closes_at=NOW + timedelta(days=7),
            ),
            now=NOW,
        )
        monday = await open_checkin(
            session,
            CheckInRequest(
                patient=patient,
                local_date=date(2027, 1, 4),
                slot=CheckInSlot.DAILY,
                closes_at=NOW + timedelta(days=1),
            ),
            now=NOW,
        )
    assert sunday.check_in.items[-3:] == ("activity:1", "activity:2", "reframe")
    assert not any(item.startswith("activity:") for item in monday.check_in.items)
    assert "reframe" not in monday.check_in.items


async def test_opening_twice_gives_the_same_check_in(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    def request_for(patient: Patient) -> CheckInRequest:
        return CheckInRequest(
            patient=patient,
            local_date=date(2027, 1, 4),
            slot=CheckInSlot.BASELINE,
            closes_at=NOW + timedelta(days=1),
        )

    async with session_factory.begin() as session:
        patient = await _patient(session)
        first, second = [
            await open_checkin(session, request_for(patient), now=NOW) for _ in range(2)
        ]
        # In one batch, asked twice for the same check-in, it is made once too.
        twice = await open_checkins(
            session,
            [request_for(patient), request_for(patient)],
            now=NOW,
        )
        states = await checkin_states(session, [first.check_in.id])
    assert first.created
    assert first.to_send
    assert not second.created
    assert second.to_send  # not sent yet: its message still has to go out
    assert first.check_in.id == second.check_in.id
    assert [(o.check_in.id, o.created) for o in twice] == [(first.check_in.id, False)] * 2
    assert first.check_in.status is CheckInStatus.OPEN
    assert first.check_in.items[-2:] == ("activity:1", "activity:2")
    # Rendered, its buttons answer the first item, signed for this person.
    message = render_checkin(states[first.check_in.id], CODEC)
    first_button = message.keyboard[0][0]
    assert CODEC.decode(first_button.data, patient.id) == AnswerTap(first.check_in.id, 0, 1)


async def test_a_batch_opens_each_persons_check_in_once_and_records_missed_ones(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        people = [
            await patients.add(telegram_user_id=10 + n, chat_id=10 + n, now=NOW) for n in range(3)
        ]
        requests = [
            CheckInRequest(
                patient=patient,
                local_date=date(2027, 1, 4),
                slot=CheckInSlot.DAILY,
                closes_at=NOW + timedelta(days=1),
                status=CheckInStatus.MISSED_DOWNTIME if n == 1 else CheckInStatus.OPEN,
            )
            for n, patient in enumerate(people)
        ]
        opened = await open_checkins(session, requests, now=NOW)
        again = await open_checkins(session, requests, now=NOW)
    assert [o.check_in.patient_id for o in opened] == [p.id for p in people]
    assert [o.created for o in opened] == [True, True, True]
    assert [o.check_in.status for o in opened] == [
        CheckInStatus.OPEN,
        CheckInStatus.MISSED_DOWNTIME,
        CheckInStatus.OPEN,
    ]
    # A missed one is only recorded: nothing to send.
    assert [o.to_send for o in opened] == [True, False, True]
    assert [(o.check_in.id, o.created) for o in again] == [(o.check_in.id, False) for o in opened]
    # Read back from the store: the statuses were written, and the missed one still waits
    # for nothing.
    assert [o.check_in.status for o in again] == [o.check_in.status for o in opened]
    assert [o.to_send for o in again] == [True, False, True]
