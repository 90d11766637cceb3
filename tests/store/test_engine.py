"""Engine set-up: URL normalisation, SQLite pragmas and real SQLite transactions."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

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


async def test_sqlite_uses_wal_foreign_keys_normal_sync_a_busy_timeout_and_secure_delete(
    tmp_path: Path,
) -> None:
    engine = create_engine(str(tmp_path / "n1.db"))
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in (
                    "journal_mode",
                    "foreign_keys",
                    "synchronous",
                    "busy_timeout",
                    "secure_delete",
                )
            }
    finally:
        await engine.dispose()
    # synchronous: 1 is NORMAL.
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 1,
        "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
        # Erased content is zeroed in the file (some SQLite builds have it on already).
        "secure_delete": 1,
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


async def test_concurrent_read_then_write_transactions_all_succeed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    # A dozen people registering at once, each transaction reading and then writing. On
    # SQLite they queue for the one connection, each holding the write lock from its BEGIN;
    # on PostgreSQL they run side by side.
    people = 12
    all_open = asyncio.Barrier(people)

    async def register(telegram_user_id: int) -> None:
        async with session_factory.begin() as session:
            await all_open.wait()
            await session.scalar(select(func.count()).select_from(PatientRow))
            await PatientRepository(session).add(
                telegram_user_id=telegram_user_id, chat_id=telegram_user_id, now=NOW
            )

    await asyncio.gather(*(register(n) for n in range(1, people + 1)))
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(PatientRow)) == people


async def test_a_sqlite_transaction_takes_the_write_lock_when_it_begins(tmp_path: Path) -> None:
    # Another process (the `n1` command line, say) sees the lock from N1's BEGIN on, even
    # before N1 writes: two transactions that read then write can never deadlock.
    path = tmp_path / "n1.db"
    engine = create_engine(str(path))
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            # Readers are not held up (WAL).
            assert other.execute("SELECT 1").fetchone() == (1,)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
        await engine.dispose()


async def test_engine_fixture_is_migrated(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        count = (await connection.execute(select(func.count()).select_from(PatientRow))).scalar()
    assert count == 0


def _counting_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    pings: list[int] = []
    dialect = engine.sync_engine.dialect
    ping = dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.begin() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


@pytest.mark.postgres
async def test_a_postgres_connection_the_server_dropped_is_replaced(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A database restart or failover while N1 idles: the next use-case still gets through.
    engine = create_engine(postgres_url)
    pings = _counting_pings(engine, monkeypatch)
    try:
        first = await _backend_pid(engine)
        admin = create_engine(postgres_url)
        async with admin.connect() as other:
            await other.execute(text(f"SELECT pg_terminate_backend({first})"))
        await admin.dispose()
        second = await _backend_pid(engine)
        third = await _backend_pid(engine)
    finally:
        await engine.dispose()
    assert second != first
    assert third == second  # the replacement is pooled and reused
    assert pings  # the dead connection was found by a ping, not by a failed use-case
