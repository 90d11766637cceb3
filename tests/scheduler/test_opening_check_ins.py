"""open_checkin: the right items on the right day, created once, rendered with buttons."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import AnswerTap, CallbackCodec, derive_key
from core.domain import CheckInSlot, Patient
from core.store.repositories import ActivityRepository, PatientRepository
from scheduler.checkins import is_weekly_day, open_checkin

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
            patient=patient,
            local_date=date(2027, 1, 10),
            slot=CheckInSlot.DAILY,
            closes_at=NOW + timedelta(days=7),
            now=NOW,
            codec=CODEC,
        )
        monday = await open_checkin(
            session,
            patient=patient,
            local_date=date(2027, 1, 4),
            slot=CheckInSlot.DAILY,
            closes_at=NOW + timedelta(days=1),
            now=NOW,
            codec=CODEC,
        )
    assert sunday.check_in.items[-3:] == ("activity:1", "activity:2", "reframe")
    assert not any(item.startswith("activity:") for item in monday.check_in.items)
    assert "reframe" not in monday.check_in.items


async def test_opening_twice_gives_the_same_check_in(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        patient = await _patient(session)
        first, second = [
            await open_checkin(
                session,
                patient=patient,
                local_date=date(2027, 1, 4),
                slot=CheckInSlot.BASELINE,
                closes_at=NOW + timedelta(days=1),
                now=NOW,
                codec=CODEC,
            )
            for _ in range(2)
        ]
    assert first.created
    assert not second.created
    assert first.check_in.id == second.check_in.id
    assert first.message == second.message
    # Its buttons answer the first item, signed for this person.
    first_button = first.message.keyboard[0][0]
    assert CODEC.decode(first_button.data, patient.id) == AnswerTap(first.check_in.id, 0, 1)
    assert first.check_in.items[-2:] == ("activity:1", "activity:2")
