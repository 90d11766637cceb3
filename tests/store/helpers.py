"""Small builders shared by the store tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import CheckIn, CheckInSlot, Patient
from core.store.repositories import (
    ActivityRepository,
    CheckInRepository,
    ExportRepository,
    OutboxRepository,
    PatientRepository,
    WeeklySummaryRepository,
)
from core.store.repositories.check_ins import NewCheckIn
from core.store.repositories.outbox import NewOutboxMessage

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


# A person's own words, one for each kind of value kept encrypted.
NOTE = "knee swelled after the stairs"
ACTIVITY = "dance with my granddaughter"
FOCUS = "more short walks by the river"
SUMMARY = f"This week: ‘{ACTIVITY}’ went a little better."


async def add_words(session_factory: async_sessionmaker[AsyncSession]) -> Patient:
    """A patient with a note, an activity, a weekly summary with a focus, and a queued
    message quoting their activity: every kind of value kept encrypted."""
    patient = await add_patient(session_factory)
    check_in = await add_check_in(session_factory, patient)
    async with session_factory.begin() as session:
        await CheckInRepository(session).set_note(check_in.id, NOTE)
        await ActivityRepository(session).replace(patient.id, [ACTIVITY], NOW)
        await WeeklySummaryRepository(session).save(
            patient_id=patient.id, week_start=TODAY, text=SUMMARY, now=NOW
        )
        await WeeklySummaryRepository(session).set_next_focus(patient.id, FOCUS, NOW)
        await OutboxRepository(session).enqueue(
            NewOutboxMessage(
                idempotency_key=f"summary:{patient.id}",
                chat_id=patient.chat_id,
                kind="summary",
                payload={"text": SUMMARY},
                patient_id=patient.id,
            ),
            NOW,
        )
    return patient


async def read_words(
    session_factory: async_sessionmaker[AsyncSession], patient: Patient
) -> list[str | None]:
    """What `add_words` stored, read back through the repositories: note, activity,
    summary, focus and the queued message's text."""
    async with session_factory() as session:
        exported = await ExportRepository(session).everything(patient.id)
        summary = await WeeklySummaryRepository(session).latest(patient.id)
        queued = await OutboxRepository(session).get_by_key(f"summary:{patient.id}")
    assert summary is not None
    assert queued is not None
    return [
        exported["check_ins"][0]["note"],
        exported["activities"][0]["label"],
        summary.text,
        summary.next_focus,
        queued.payload["text"],
    ]


WORDS = [NOTE, ACTIVITY, SUMMARY, FOCUS, SUMMARY]
