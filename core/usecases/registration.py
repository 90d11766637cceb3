"""Meeting a person for the first time (or again) through /start."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.domain import Patient
from core.store.repositories import PatientRepository


@dataclass(frozen=True)
class Registration:
    """The outcome of /start: the patient and whether they are new to N1."""

    patient: Patient
    is_new: bool


async def register_patient(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    telegram_user_id: int,
    chat_id: int,
    *,
    join_code: str | None = None,
) -> Registration:
    """Find or create the patient for this Telegram user; nothing about their health is kept."""
    try:
        return await _find_or_create(session_factory, clock, telegram_user_id, chat_id, join_code)
    except IntegrityError:
        # Two /start updates from a new person raced; the other one created the row.
        return await _find_or_create(session_factory, clock, telegram_user_id, chat_id, join_code)


async def _find_or_create(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    telegram_user_id: int,
    chat_id: int,
    join_code: str | None,
) -> Registration:
    now = clock.now()
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        existing = await patients.get_by_telegram_id(telegram_user_id)
        if existing is not None:
            await patients.touch_last_seen(existing.id, now)
            return Registration(existing, is_new=False)
        patient = await patients.add(
            telegram_user_id=telegram_user_id, chat_id=chat_id, now=now, join_code=join_code
        )
        return Registration(patient, is_new=True)
