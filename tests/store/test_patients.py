"""PatientRepository."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.conversation import (
    Awaiting,
    AwaitingFocus,
    AwaitingNote,
    AwaitingSetting,
    PickingDays,
    format_awaiting,
)
from core.domain import Patient, PatientStatus
from core.journey import Step
from core.store.repositories import PatientRepository
from core.store.tables import PatientRow
from tests.store.helpers import NOW, TODAY, add_patient

LATER = NOW + timedelta(hours=1)


async def test_a_new_patient_starts_onboarding_with_default_preferences(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        added = await PatientRepository(session).add(
            telegram_user_id=5_000_000_001, chat_id=5_000_000_001, now=NOW, join_code="knee-mar"
        )
    async with session_factory() as session:
        by_id = await PatientRepository(session).get(added.id)
        by_telegram_id = await PatientRepository(session).get_by_telegram_id(5_000_000_001)
    assert added == by_id == by_telegram_id
    assert added == Patient(
        id=added.id,
        telegram_user_id=5_000_000_001,  # past 32 bits: Telegram ids are BigInteger
        chat_id=5_000_000_001,
        status=PatientStatus.ONBOARDING,
        onboarding_step=None,
        time_zone="Europe/London",
        checkin_days=127,
        checkin_time="09:00",
        summary_weekday=6,
        summary_time="18:00",
        quiet_start="21:00",
        quiet_end="08:00",
        paused_until_at=None,
        join_code="knee-mar",
        created_at=NOW,
        updated_at=NOW,
        last_seen_at=None,
        awaiting=None,
        ask_about_pain=True,
        nudges_paused_until_at=None,
        backoff_level=0,
    )


async def test_unknown_patients_are_none(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        patients = PatientRepository(session)
        assert await patients.get(404) is None
        assert await patients.get_by_telegram_id(404) is None
        assert await patients.update_status(404, PatientStatus.ACTIVE, LATER) is None


async def test_a_telegram_user_can_be_added_only_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    await add_patient(session_factory, telegram_user_id=7)
    with pytest.raises(IntegrityError):
        async with session_factory.begin() as session:
            await PatientRepository(session).add(telegram_user_id=7, chat_id=7, now=LATER)


async def test_status_changes_record_when_and_until(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    until = NOW + timedelta(days=7)
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        paused = await patients.update_status(
            patient.id, PatientStatus.PAUSED, LATER, paused_until_at=until
        )
        assert paused is not None
        assert (paused.status, paused.paused_until_at, paused.updated_at) == (
            PatientStatus.PAUSED,
            until,
            LATER,
        )
        resumed = await patients.update_status(patient.id, PatientStatus.ACTIVE, LATER)
        assert resumed is not None
        assert (resumed.status, resumed.paused_until_at) == (PatientStatus.ACTIVE, None)


async def test_onboarding_step_and_preferences_are_saved(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        await patients.set_onboarding_step(patient.id, "time_zone", LATER)
        await patients.update_preferences(
            patient.id, now=LATER, time_zone="Europe/Dublin", checkin_days=0b0011111
        )
        updated = await patients.update_preferences(
            patient.id, now=LATER, checkin_time="07:30", quiet_start="22:00"
        )
    assert updated is not None
    assert updated.onboarding_step == "time_zone"
    assert (updated.time_zone, updated.checkin_days) == ("Europe/Dublin", 0b0011111)
    assert (updated.checkin_time, updated.quiet_start, updated.quiet_end) == (
        "07:30",
        "22:00",
        "08:00",
    )


@pytest.mark.parametrize(
    ("preferences", "complaint"),
    [
        ({"checkin_time": "9:00"}, "local time"),
        ({"summary_time": "24:00"}, "local time"),
        ({"quiet_start": "09:60"}, "local time"),
        ({"quiet_end": "0900"}, "local time"),
        ({"checkin_time": " 09:00"}, "local time"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time zone"),
        ({"time_zone": "../etc/passwd"}, "time zone"),
        ({"checkin_days": 128}, "bitmask"),
        ({"checkin_days": -1}, "bitmask"),
        ({"summary_weekday": 7}, "weekday"),
    ],
)
async def test_preferences_the_scheduler_could_not_use_are_refused(
    session_factory: async_sessionmaker[AsyncSession],
    preferences: dict[str, Any],
    complaint: str,
) -> None:
    patient = await add_patient(session_factory)
    async with session_factory() as session:
        with pytest.raises(ValueError, match=complaint):
            await PatientRepository(session).update_preferences(patient.id, now=NOW, **preferences)


async def test_last_seen_is_not_an_update_of_the_record(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    async with session_factory.begin() as session:
        await PatientRepository(session).touch_last_seen(patient.id, LATER)
    async with session_factory() as session:
        seen = await PatientRepository(session).get(patient.id)
    assert seen is not None
    assert (seen.last_seen_at, seen.updated_at) == (LATER, NOW)


@pytest.mark.parametrize(
    "awaiting",
    [
        AwaitingNote(9_000_000_001),
        AwaitingFocus(TODAY),
        AwaitingSetting(Step.QUIET),
        PickingDays(0b1000001),
    ],
)
async def test_what_the_next_typed_message_is_for_is_kept_until_cleared(
    session_factory: async_sessionmaker[AsyncSession], awaiting: Awaiting
) -> None:
    patient = await add_patient(session_factory)
    assert patient.awaiting is None
    async with session_factory.begin() as session:
        waiting = await PatientRepository(session).set_awaiting(patient.id, awaiting, LATER)
    assert waiting is not None
    assert (waiting.awaiting, waiting.updated_at) == (awaiting, LATER)
    async with session_factory() as session:
        stored = await PatientRepository(session).get(patient.id)
        raw = await session.scalar(
            select(PatientRow.awaiting_input).where(PatientRow.id == patient.id)
        )
    assert stored is not None
    assert stored.awaiting == awaiting
    assert raw == format_awaiting(awaiting)
    async with session_factory.begin() as session:
        cleared = await PatientRepository(session).set_awaiting(patient.id, None, LATER)
    assert cleared is not None
    assert cleared.awaiting is None


async def test_pain_question_and_nudge_pause_are_the_persons_choice(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    assert (patient.ask_about_pain, patient.nudges_paused_until_at) == (True, None)
    tonight = NOW + timedelta(hours=15)
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        no_pain = await patients.set_ask_about_pain(patient.id, False, LATER)
        await patients.pause_nudges(patient.id, tonight, LATER)
        assert await patients.set_ask_about_pain(404, False, LATER) is None
    assert no_pain is not None
    assert not no_pain.ask_about_pain
    async with session_factory() as session:
        stored = await PatientRepository(session).get(patient.id)
    assert stored is not None
    assert (stored.ask_about_pain, stored.nudges_paused_until_at) == (False, tonight)
    # A shorter pause later never shortens the longer one.
    async with session_factory.begin() as session:
        await PatientRepository(session).pause_nudges(patient.id, NOW + timedelta(hours=1), LATER)
    async with session_factory() as session:
        again = await PatientRepository(session).get(patient.id)
    assert again is not None
    assert again.nudges_paused_until_at == tonight


async def test_many_patients_are_read_at_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = await add_patient(session_factory, telegram_user_id=1)
    second = await add_patient(session_factory, telegram_user_id=2)
    async with session_factory() as session:
        patients = PatientRepository(session)
        assert await patients.many([first.id, second.id, 404]) == {
            first.id: first,
            second.id: second,
        }
        assert await patients.many([]) == {}
