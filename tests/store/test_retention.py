"""The retention purge: only people with no sign of them for the retention period go, all of
their data with them, counted (never named) beforehand."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.domain import Patient
from core.retention import retention_cutoff
from core.safety import Category
from core.store.repositories import (
    CheckInRepository,
    OutboxRepository,
    PatientRepository,
    SafetyEventRepository,
    SecurityEventRepository,
    WeeklySummaryRepository,
)
from core.store.repositories.erasure import Erased
from core.store.repositories.outbox import NewOutboxMessage
from core.store.tables import SafetyEventRow, SecurityEventRow
from tests.store.helpers import NOW, TODAY, add_check_in, add_patient
from usecases.retention import purge

MONTHS = 24
# Just over 24 months after everyone's first /start at NOW.
LATER = NOW + timedelta(days=2 * 365 + 2)
RECENTLY = LATER - timedelta(days=30)

SessionFactory = async_sessionmaker[AsyncSession]


async def _people(session_factory: SessionFactory) -> dict[str, Patient]:
    """Someone gone quiet with data of every kind, and three people with a recent sign."""
    gone = await add_patient(session_factory, telegram_user_id=1)
    check_in = await add_check_in(session_factory, gone)
    seen = await add_patient(session_factory, telegram_user_id=2)
    answered = await add_patient(session_factory, telegram_user_id=3)
    answered_check_in = await add_check_in(session_factory, answered)
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        await patients.touch_last_seen(gone.id, NOW)
        await patients.touch_last_seen(seen.id, RECENTLY)
        await patients.touch_last_seen(answered.id, NOW)
        new = await patients.add(telegram_user_id=4, chat_id=4, now=RECENTLY)
        check_ins = CheckInRepository(session)
        await check_ins.record_answer(check_in, item="confidence", value=3, now=NOW)
        await check_ins.set_note(check_in.id, "a note")
        await check_ins.record_answer(answered_check_in, item="confidence", value=4, now=RECENTLY)
        await WeeklySummaryRepository(session).save(
            patient_id=gone.id, week_start=TODAY, text="A week", now=NOW
        )
        await OutboxRepository(session).enqueue(
            NewOutboxMessage(
                idempotency_key="door", chat_id=1, kind="door_open", payload={}, patient_id=gone.id
            ),
            NOW,
        )
        await SecurityEventRepository(session).record(
            kind="callback_invalid", now=NOW, telegram_user_id=1
        )
    return {"gone": gone, "seen": seen, "answered": answered, "new": new}


async def _remaining(session_factory: SessionFactory) -> set[int]:
    async with session_factory() as session:
        patients = PatientRepository(session)
        return {
            user for user in (1, 2, 3, 4) if await patients.get_by_telegram_id(user) is not None
        }


# The gone person's forged tap, recorded at NOW, is also an event older than the period.
GONE = Erased(
    people=1, check_ins=1, answers=1, notes=1, summaries=1, messages_queued=1, old_events=1
)


async def test_a_dry_run_counts_what_would_go_and_erases_nothing(
    session_factory: SessionFactory,
) -> None:
    await _people(session_factory)
    counted = await purge(session_factory, FakeClock(LATER), MONTHS, dry_run=True)
    assert counted == GONE
    assert await _remaining(session_factory) == {1, 2, 3, 4}


async def test_the_purge_erases_only_the_person_with_no_sign_of_them(
    session_factory: SessionFactory,
) -> None:
    await _people(session_factory)
    assert await purge(session_factory, FakeClock(LATER), MONTHS) == GONE
    assert await _remaining(session_factory) == {2, 3, 4}
    async with session_factory() as session:
        events = await session.scalar(select(func.count()).select_from(SecurityEventRow))
    assert events == 0
    # Nothing is left for a second run.
    assert asdict(await purge(session_factory, FakeClock(LATER), MONTHS)) == asdict(Erased())


async def test_nobody_is_purged_before_the_period_is_over(session_factory: SessionFactory) -> None:
    await _people(session_factory)
    assert await purge(session_factory, FakeClock(NOW + timedelta(days=700)), MONTHS) == Erased()
    assert await _remaining(session_factory) == {1, 2, 3, 4}


def test_the_cutoff_is_calendar_months_back() -> None:
    assert retention_cutoff(NOW, 24) == NOW.replace(year=2024)
    # A shorter month ends the month early, never spills into the next.
    assert retention_cutoff(NOW.replace(month=3, day=31), 1) == NOW.replace(month=2, day=28)
    assert retention_cutoff(NOW.replace(month=1), 1) == NOW.replace(year=2025, month=12)


async def test_events_that_name_no_patient_go_once_older_than_the_period(
    session_factory: SessionFactory,
) -> None:
    async with session_factory.begin() as session:
        # A stranger's forged tap and a signpost shown to someone never set up: long ago...
        await SecurityEventRepository(session).record(
            kind="callback_invalid", now=NOW, telegram_user_id=99
        )
        await SafetyEventRepository(session).record(
            patient_id=None, category=Category.CRISIS, now=NOW
        )
        # ...and one within the period, which stays.
        await SecurityEventRepository(session).record(
            kind="callback_invalid", now=LATER, telegram_user_id=98
        )
    assert (await purge(session_factory, FakeClock(LATER), MONTHS, dry_run=True)).old_events == 2
    assert (await purge(session_factory, FakeClock(LATER), MONTHS)).old_events == 2
    async with session_factory() as session:
        left = await session.scalars(select(SecurityEventRow.telegram_user_id))
        assert list(left) == [98]
        assert await session.scalar(select(func.count()).select_from(SafetyEventRow)) == 0
