"""SQLite through `core.store.sqlite_driver`: one trip to the database thread per statement,
and transactions that still take the write lock up front and end cleanly."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.store.engine import create_engine
from core.store.sqlite_driver import execute_behind


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    made = create_engine(str(tmp_path / "driver.db"))
    async with made.begin() as connection:
        await connection.exec_driver_sql(
            "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"
        )
    yield made
    await made.dispose()


@contextmanager
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Names of the functions run in aiosqlite's thread meanwhile."""
    made: list[str] = []
    original: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(getattr(fn, "__name__", type(fn).__name__))
        return await original(self, fn, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "_execute", counted)
        yield made


async def _connect_first(engine: AsyncEngine) -> None:
    """Open the pool's connection before trips are counted (connecting makes its own)."""
    async with engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")
        await connection.commit()


def _someone_else_can_write(path: Path) -> bool:
    """Whether another connection could take the write lock right now (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


async def test_a_transaction_of_two_statements_is_three_trips(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _connect_first(engine)
    with trips(monkeypatch) as made:
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
            found = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    assert found == ["a"]
    # BEGIN goes with the first statement; the commit is the third; nothing on return.
    assert made == ["_run", "_run", "commit"]


async def test_the_write_lock_is_held_from_the_first_statement_until_commit(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = tmp_path / "driver.db"
    async with engine.begin() as connection:
        assert _someone_else_can_write(path)  # nothing sent yet
        await connection.execute(text("SELECT count(*) FROM notes"))
        # A read first, and still BEGIN IMMEDIATE: no other writer can slip in between.
        assert not _someone_else_can_write(path)
    assert _someone_else_can_write(path)


async def test_a_streamed_read_first_is_inside_the_transaction(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('a'), ('b')"))
    async with engine.begin() as connection:
        result = await connection.stream(text("SELECT body FROM notes ORDER BY id"))
        assert [row.body async for row in result] == ["a", "b"]
        assert not _someone_else_can_write(tmp_path / "driver.db")


async def test_row_counts_last_row_ids_and_executemany_come_back(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        inserted = await connection.execute(text("INSERT INTO notes (body) VALUES ('a')"))
        assert inserted.lastrowid == 1
        await connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "b"}, {"body": "c"}]
        )
        updated = await connection.execute(text("UPDATE notes SET body = body || '!'"))
        assert updated.rowcount == 3
        bodies = (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).all()
    assert [row.body for row in bodies] == ["a!", "b!", "c!"]


@pytest.mark.parametrize("held", [False, True], ids=["sent at once", "held back"])
async def test_a_failed_statement_rolls_back_its_whole_transaction(
    engine: AsyncEngine, tmp_path: Path, held: bool
) -> None:
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('kept')"))
    insert = text("INSERT INTO notes (body) VALUES (:body)")

    async def insert_then_repeat() -> None:
        async with engine.begin() as connection:
            for body in ("gone", "kept"):  # the second is a duplicate
                if held:  # then it fails at the commit, with the first
                    await execute_behind(connection, insert, {"body": body})
                else:
                    await connection.execute(insert, {"body": body})

    with pytest.raises(IntegrityError):
        await insert_then_repeat()
    assert _someone_else_can_write(tmp_path / "driver.db")
    async with engine.connect() as connection:
        bodies = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    assert bodies == ["kept"]


async def test_an_empty_transaction_sends_nothing_and_the_next_one_works(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _connect_first(engine)
    with trips(monkeypatch) as made:
        async with engine.begin():
            pass
    assert made == []
    async with engine.begin() as connection:
        await connection.execute(text("INSERT INTO notes (body) VALUES ('after')"))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT body FROM notes"))).scalar() == "after"


async def test_writes_held_back_go_with_the_commit_in_one_trip(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _connect_first(engine)
    insert = text("INSERT INTO notes (body) VALUES (:body)")
    with trips(monkeypatch) as made:
        async with engine.begin() as connection:
            await connection.execute(text("SELECT count(*) FROM notes"))
            await execute_behind(connection, insert, {"body": "a"})
            await execute_behind(connection, insert, {"body": "b"})
    assert made == ["_run", "_commit"]
    async with engine.connect() as connection:
        bodies = (await connection.execute(text("SELECT body FROM notes ORDER BY id"))).all()
    assert [row.body for row in bodies] == ["a", "b"]


async def test_a_read_after_a_held_write_sees_it_in_the_same_trip(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _connect_first(engine)
    with trips(monkeypatch) as made:
        async with engine.begin() as connection:
            await execute_behind(
                connection, text("INSERT INTO notes (body) VALUES (:body)"), {"body": "a"}
            )
            seen = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
    assert seen == ["a"]
    assert made == ["_run", "commit"]


async def test_a_rolled_back_transaction_never_sends_its_held_writes(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _connect_first(engine)
    with trips(monkeypatch) as made:
        async with engine.connect() as connection:
            await connection.begin()
            await execute_behind(
                connection, text("INSERT INTO notes (body) VALUES (:body)"), {"body": "a"}
            )
            await connection.rollback()
    assert made == []
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM notes"))).scalar() == 0


async def test_a_write_that_returns_rows_is_not_held(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _connect_first(engine)
    with trips(monkeypatch) as made:
        async with engine.begin() as connection:
            await execute_behind(
                connection, text("INSERT INTO notes (body) VALUES ('a') RETURNING id"), {}
            )
    assert made == ["_run", "commit"]
