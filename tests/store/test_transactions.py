"""Repositories never commit, and erasing a patient removes everything that names them."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import HEALTH_DATA_CONSENT, ScheduleKind
from core.safety import Category
from core.store.repositories import (
    ActivityRepository,
    CheckInRepository,
    ConsentRepository,
    MessageLogRepository,
    OutboxRepository,
    PatientRepository,
    SafetyEventRepository,
    ScheduleRepository,
    SecurityEventRepository,
    WeeklySummaryRepository,
)
from core.store.repositories.erasure import ErasureRepository, the_patient
from core.store.repositories.outbox import NewOutboxMessage
from core.store.tables import Base, CheckInRow
from tests.store.helpers import NOW, TODAY, add_check_in, add_patient, new_check_in


async def _counts(session_factory: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Rows in every table N1 has (so a new table is covered without editing this)."""
    async with session_factory() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


async def _write_one_of_everything(session: AsyncSession, telegram_user_id: int) -> None:
    patient = await PatientRepository(session).add(
        telegram_user_id=telegram_user_id, chat_id=telegram_user_id, now=NOW
    )
    await ConsentRepository(session).record(
        patient_id=patient.id, kind=HEALTH_DATA_CONSENT, version="1", granted=True, now=NOW
    )
    await ActivityRepository(session).replace(patient.id, ["gardening"], NOW)
    await ScheduleRepository(session).set(
        patient.id, ScheduleKind.CHECKIN, next_due_at=NOW, due_local_date=TODAY, now=NOW
    )
    [check_in] = await CheckInRepository(session).create_many(
        [new_check_in(patient, items=("sleep",))], NOW
    )
    await CheckInRepository(session).record_answer(check_in, item="sleep", value=3, now=NOW)
    await OutboxRepository(session).enqueue(
        NewOutboxMessage(
            idempotency_key=f"k{telegram_user_id}",
            chat_id=telegram_user_id,
            kind="checkin",
            payload={"check_in_id": check_in.id},
            patient_id=patient.id,
        ),
        NOW,
    )
    await SecurityEventRepository(session).record(
        kind="test", now=NOW, telegram_user_id=telegram_user_id, detail="d"
    )
    await SafetyEventRepository(session).record(
        patient_id=patient.id, category=Category.URGENT, now=NOW
    )
    await MessageLogRepository(session).record(patient.id, [("checkin_ack", "ack.001")], NOW)
    await WeeklySummaryRepository(session).save(
        patient_id=patient.id, week_start=TODAY, text="A summary", now=NOW
    )


def _empty() -> dict[str, int]:
    return dict.fromkeys(Base.metadata.tables, 0)


async def test_a_rolled_back_transaction_leaves_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _write_one_of_everything(session, 1)
        assert session.in_transaction()
        await session.rollback()
    assert await _counts(session_factory) == _empty()


async def test_closing_a_session_without_commit_leaves_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        await _write_one_of_everything(session, 1)
    assert await _counts(session_factory) == _empty()


async def test_the_use_case_commits_by_leaving_begin(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        await _write_one_of_everything(session, 1)
    assert await _counts(session_factory) == dict.fromkeys(Base.metadata.tables, 1)


async def test_erasing_a_patient_removes_every_row_that_names_them(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        await _write_one_of_everything(session, 1)
        await _write_one_of_everything(session, 2)
        # A message to a group chat belongs to no patient and must survive.
        await OutboxRepository(session).enqueue(
            NewOutboxMessage(idempotency_key="group", chat_id=-100, kind="programme", payload={}),
            NOW,
        )
        # A message queued for their chat without naming them as a patient goes too.
        await OutboxRepository(session).enqueue(
            NewOutboxMessage(idempotency_key="unowned", chat_id=1, kind="broadcast", payload={}),
            NOW,
        )
    async with session_factory() as session:
        leaving = await PatientRepository(session).get_by_telegram_id(1)
    assert leaving is not None
    async with session_factory.begin() as session:
        erased = await ErasureRepository(session).erase(the_patient(leaving.id))
    assert (erased.people, erased.check_ins, erased.answers) == (1, 1, 1)
    assert (erased.summaries, erased.messages_queued) == (1, 2)
    counts = await _counts(session_factory)
    assert counts == {
        "patients": 1,
        "consents": 1,
        "activities": 1,
        "schedules": 1,
        "check_ins": 1,
        "answers": 1,
        "outbox": 2,
        "message_log": 1,
        "weekly_summaries": 1,
        "security_events": 1,
        "safety_events": 1,
    }
    async with session_factory() as session:
        for table in Base.metadata.sorted_tables:
            if "patient_id" in table.c:
                left = select(func.count()).where(table.c.patient_id == leaving.id)
                assert await session.scalar(left) == 0, table.name


async def test_security_events_are_recorded_with_clipped_detail(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory.begin() as session:
        event = await SecurityEventRepository(session).record(
            kind="callback_forged", now=NOW, telegram_user_id=6_000_000_000, detail="y" * 900
        )
    assert (event.kind, event.telegram_user_id, event.created_at) == (
        "callback_forged",
        6_000_000_000,
        NOW,
    )
    assert event.detail is not None
    assert len(event.detail) == 500


async def test_answers_of_a_deleted_check_in_go_with_it(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    async with session_factory.begin() as session:
        await CheckInRepository(session).record_answer(check_in, item="sleep", value=2, now=NOW)
        await session.delete(await session.get_one(CheckInRow, check_in.id))
    assert (await _counts(session_factory))["answers"] == 0


async def test_safety_events_keep_the_category_and_time_for_a_person_or_someone_not_met(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 11)
    async with session_factory.begin() as session:
        events = SafetyEventRepository(session)
        kept = await events.record(patient_id=patient.id, category=Category.CRISIS, now=NOW)
        stranger = await events.record(patient_id=None, category=Category.EMERGENCY, now=NOW)
    assert (kept.category, kept.created_at, kept.notified_at) == (Category.CRISIS, NOW, None)
    assert stranger.patient_id is None
    async with session_factory() as session:
        assert await SafetyEventRepository(session).for_patient(patient.id) == [kept]
