"""Table conventions and the UTC datetime type."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.store.repositories import OutboxRepository, PatientRepository
from core.store.repositories.outbox import NewOutboxMessage
from core.store.tables import PatientRow, UTCDateTime, metadata
from tests.store.helpers import NOW

PLUS_FIVE = timezone(timedelta(hours=5))


def test_every_datetime_column_is_a_utc_at_column() -> None:
    for table in metadata.tables.values():
        for column in table.columns:
            is_datetime = isinstance(column.type, UTCDateTime | DateTime)
            assert is_datetime == column.name.endswith("_at"), f"{table.name}.{column.name}"
            if is_datetime:
                assert isinstance(column.type, UTCDateTime), f"{table.name}.{column.name}"


def test_constraint_names_follow_the_naming_convention() -> None:
    for table in metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"
            assert str(constraint.name).split("_")[0] in {"pk", "fk", "uq", "ck"}
        for index in table.indexes:
            assert str(index.name).startswith(f"ix_{table.name}_")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_utc_datetime_refuses_naive_and_non_datetime_values(backend: str) -> None:
    dialect = make_url(f"{backend}://").get_dialect()()
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the point of the test
    column_type = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column_type.process_bind_param(naive, dialect)
    with pytest.raises(TypeError):
        column_type.process_bind_param("2026-03-02", dialect)  # type: ignore[arg-type]


async def test_naive_datetimes_are_rejected_by_the_store(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the point of the test
    async with session_factory() as session:
        with pytest.raises(StatementError, match="naive"):
            await PatientRepository(session).add(telegram_user_id=1, chat_id=1, now=naive)


async def test_datetimes_come_back_aware_utc_and_the_same_instant(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    given = datetime(2026, 3, 2, 14, 30, 15, 123456, tzinfo=PLUS_FIVE)
    async with session_factory.begin() as session:
        patient = await PatientRepository(session).add(telegram_user_id=1, chat_id=1, now=given)
    async with session_factory() as session:
        stored = await PatientRepository(session).get(patient.id)
        raw = await session.scalar(select(PatientRow.created_at))
    assert stored is not None
    for value in (patient.created_at, stored.created_at, raw):
        assert value == given
        assert value is not None
        assert value.tzinfo is UTC
        assert value.hour == 9


async def test_time_comparisons_in_sql_use_the_instant_not_the_wall_clock(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    # 09:00 UTC is 14:00 at +05:00: a message due at 09:00 UTC is due "now" at 14:00+05.
    async with session_factory.begin() as session:
        outbox = OutboxRepository(session)
        await outbox.enqueue(
            NewOutboxMessage(idempotency_key="k", chat_id=1, kind="reply", payload={}), NOW
        )
        local = NOW.astimezone(PLUS_FIVE)
        assert await outbox.due(now=local - timedelta(seconds=1), limit=10) == []
        assert len(await outbox.due(now=local, limit=10)) == 1
