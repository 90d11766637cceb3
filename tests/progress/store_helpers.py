"""Writing hand-built histories into a real database, and counting SQL statements."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.domain import Patient
from core.progress import DayAnswer
from core.store.repositories import ActivityRepository, PatientRepository
from core.store.tables import AnswerRow, CheckInRow

_NOT_COUNTED = ("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


def at(day: date, hour: int = 9) -> datetime:
    """A UTC moment on `day`."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


async def add_patient(
    session_factory: async_sessionmaker[AsyncSession],
    number: int,
    joined: date,
    activities: Sequence[str] = (),
) -> Patient:
    """A committed patient who joined on `joined` (10:00 UTC), with these activities."""
    async with session_factory.begin() as session:
        patient = await PatientRepository(session).add(
            telegram_user_id=5000 + number, chat_id=5000 + number, now=at(joined, 10)
        )
        if activities:
            await ActivityRepository(session).replace(patient.id, activities, at(joined, 10))
    return patient


async def add_answers(
    session_factory: async_sessionmaker[AsyncSession],
    patient: Patient,
    answers: Sequence[DayAnswer],
    slot: str = "daily",
) -> None:
    """One check-in per local date of `answers` (in `slot`), holding those answers."""
    dates = sorted({answer.local_date for answer in answers})
    if not dates:
        return
    async with session_factory.begin() as session:
        await session.execute(
            insert(CheckInRow),
            [
                {
                    "patient_id": patient.id,
                    "local_date": day,
                    "slot": slot,
                    "items": [],
                    "status": "closed",
                    "closes_at": at(day, 22),
                    "created_at": at(day),
                }
                for day in dates
            ],
        )
        rows = await session.execute(
            select(CheckInRow.local_date, CheckInRow.id).where(
                CheckInRow.patient_id == patient.id,
                CheckInRow.slot == slot,
                CheckInRow.local_date.in_(dates),
            )
        )
        ids = {row.local_date: row.id for row in rows}
        await session.execute(
            insert(AnswerRow),
            [
                {
                    "check_in_id": ids[answer.local_date],
                    "patient_id": patient.id,
                    "item": answer.item,
                    "value": answer.value,
                    "answered_at": at(answer.local_date),
                }
                for answer in answers
            ],
        )


@contextmanager
def counting_statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """Collect every SQL statement (not transaction control) sent while inside."""
    sent: list[str] = []

    def _record(*args: Any) -> None:
        statement = str(args[2]).lstrip()
        if not statement.upper().startswith(_NOT_COUNTED):
            sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", _record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _record)
