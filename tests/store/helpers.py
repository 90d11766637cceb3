"""Small builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import CheckIn, CheckInSlot, Patient
from core.store.repositories import CheckInRepository, PatientRepository
from core.store.repositories.check_ins import NewCheckIn

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


async def add_patient(
    session_factory: async_sessionmaker[AsyncSession], telegram_user_id: int = 1001
) -> Patient:
    """A committed patient whose chat id equals their Telegram id (a private chat)."""
    async with session_factory.begin() as session:
        return await PatientRepository(session).add(
            telegram_user_id=telegram_user_id, chat_id=telegram_user_id, now=NOW
        )


def new_check_in(
    patient: Patient,
    local_date: date = TODAY,
    slot: str = CheckInSlot.DAILY,
    items: tuple[str, ...] = ("moving_freely", "confidence"),
) -> NewCheckIn:
    """An open check-in to create, closing 14 hours after `NOW`."""
    return NewCheckIn(
        patient_id=patient.id,
        local_date=local_date,
        slot=slot,
        items=items,
        closes_at=NOW + timedelta(hours=14),
    )


async def add_check_in(
    session_factory: async_sessionmaker[AsyncSession],
    patient: Patient,
    local_date: date = TODAY,
    slot: str = CheckInSlot.DAILY,
) -> CheckIn:
    """A committed, open daily check-in with two items (it must not exist yet)."""
    async with session_factory.begin() as session:
        created = await CheckInRepository(session).create_many(
            [new_check_in(patient, local_date, slot)], NOW
        )
    assert len(created) == 1, "the check-in existed already"
    return created[0]
