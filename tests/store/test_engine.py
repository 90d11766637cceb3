"""Engine set-up: URL normalisation, SQLite pragmas and real SQLite transactions."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.store.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    create_engine,
    is_sqlite,
    normalise_database_url,
)
from core.store.repositories import PatientRepository, SecurityEventRepository
from core.store.tables import PatientRow
from tests.store.helpers import NOW


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("n1.db", "sqlite+aiosqlite:///n1.db"),
        ("/var/lib/n1/n1.db", "sqlite+aiosqlite:////var/lib/n1/n1.db"),
        ("sqlite:///n1.db", "sqlite+aiosqlite:///n1.db"),
        ("sqlite:////abs/n1.db", "sqlite+aiosqlite:////abs/n1.db"),
        ("sqlite+aiosqlite:///n1.db", "sqlite+aiosqlite:///n1.db"),
        ("postgresql://n1:s%40cret@db:5432/n1", "postgresql+asyncpg://n1:s%40cret@db:5432/n1"),
        ("postgres://n1@db/n1", "postgresql+asyncpg://n1@db/n1"),
        ("postgresql+asyncpg://n1@db/n1", "postgresql+asyncpg://n1@db/n1"),
    ],
)
def test_database_urls_are_normalised_to_the_async_drivers(given: str, expected: str) -> None:
    assert normalise_database_url(given) == expected


@pytest.mark.parametrize("url", ["", "   ", "mysql://db/n1", "postgresql+psycopg2://db/n1"])
def test_unsupported_or_empty_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="database"):
        normalise_database_url(url)


def test_is_sqlite_recognises_every_spelling() -> None:
    assert is_sqlite("n1.db")
    assert is_sqlite("sqlite:///n1.db")
    assert is_sqlite("sqlite+aiosqlite:///n1.db")
    assert not is_sqlite("postgresql://db/n1")


def test_creating_an_engine_does_not_touch_the_database(tmp_path: Path) -> None:
    create_engine(str(tmp_path / "n1.db"))  # connects lazily: nothing to dispose
    assert list(tmp_path.iterdir()) == []


async def test_sqlite_uses_wal_foreign_keys_normal_sync_and_a_busy_timeout(tmp_path: Path) -> None:
    engine = create_engine(str(tmp_path / "n1.db"))
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
    finally:
        await engine.dispose()
    # synchronous: 1 is NORMAL.
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
    }


async def test_the_migration_engine_leaves_sqlite_foreign_keys_off(tmp_path: Path) -> None:
    engine = create_engine(str(tmp_path / "n1.db"), for_migrations=True)
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 0
    finally:
        await engine.dispose()


async def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    # On SQLite this only holds because N1 sends its own BEGIN (see core.store.engine).
    async with session_factory.begin() as session:
        await SecurityEventRepository(session).record(kind="kept", now=NOW)
        savepoint = await session.begin_nested()
        await SecurityEventRepository(session).record(kind="undone", now=NOW)
        await savepoint.rollback()
    async with session_factory() as session:
        kinds = (await session.execute(text("SELECT kind FROM security_events"))).scalars().all()
    assert kinds == ["kept"]


async def test_concurrent_read_then_write_transactions_both_succeed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    # Both transactions read, then write. On SQLite a deferred BEGIN would fail one of them at
    # once with "database is locked"; BEGIN IMMEDIATE makes the second wait its turn.
    async def register(telegram_user_id: int) -> None:
        async with session_factory.begin() as session:
            await session.scalar(select(func.count()).select_from(PatientRow))
            await asyncio.sleep(0.05)
            await PatientRepository(session).add(
                telegram_user_id=telegram_user_id, chat_id=telegram_user_id, now=NOW
            )

    await asyncio.gather(register(1), register(2))
    async with session_factory() as session:
        assert len(await PatientRepository(session).list_ids()) == 2


async def test_engine_fixture_is_migrated(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(PatientRow))).scalar()
    assert count == 0
