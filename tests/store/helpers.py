"""Small builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import CheckIn, CheckInSlot, Patient
from core.store.repositories import CheckInRepository, PatientRepository

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


async def add_check_in(
    session_factory: async_sessionmaker[AsyncSession],
    patient: Patient,
    local_date: date = TODAY,
    slot: str = CheckInSlot.DAILY,
) -> CheckIn:
    """A committed, open daily check-in with two items."""
    async with session_factory.begin() as session:
        check_in, _ = await CheckInRepository(session).create(
            patient_id=patient.id,
            local_date=local_date,
            slot=slot,
            items=["moving_freely", "confidence"],
            closes_at=NOW + timedelta(hours=14),
            now=NOW,
        )
    return check_in
