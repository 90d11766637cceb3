"""SQLAlchemy's aiosqlite adaptation, with one trip to the database thread per statement.

Why: aiosqlite runs sqlite3 in a thread of its own, and every call on it is a round trip
(a future, a queue, a wake-up of the event loop). SQLAlchemy's adaptation makes three or
four per statement (open a cursor, execute, fetch the rows, close the cursor), one more
for the `BEGIN IMMEDIATE` each transaction sends, and one for the rollback the pool sends
when a connection comes back, even after a commit. A button tap made 18 of them; at
hundreds of taps a second they were a third of its CPU.

Here:
- a statement is one trip: a function run in aiosqlite's thread opens a cursor, executes,
  fetches the rows (if any), notes the description, row count and last row id, and closes;
- the transaction's `BEGIN IMMEDIATE` (`begin_immediately`) goes in the same trip as its
  first statement, as sqlite3 itself defers BEGIN; a commit or rollback with no
  transaction open on the database sends nothing;
- a write whose outcome nobody reads (`execute_behind`: no rows, row count or new id) is
  held back and goes in the same trip as the transaction's next statement, or as its commit.
  Every statement still runs in order, so a later read sees the write. A tap's three writes
  after its read then go with the commit: 2 trips a tap instead of 5.

Streaming reads (`AsyncSession.stream`) keep SQLAlchemy's server-side cursor, which fetches
in its own trips; it sends a deferred BEGIN first.

The engine uses this through `create_async_engine(module=...)`; the URL stays
`sqlite+aiosqlite`. It runs a function in the connection's thread with aiosqlite's
`Connection._execute`, which is not public API: aiosqlite is pinned to a compatible range,
and tests/store/test_sqlite_driver.py checks the trips and the transactions.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Mapping
from typing import Any, Final, cast

import aiosqlite
from sqlalchemy import Executable
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    AsyncAdapt_aiosqlite_ss_cursor,
)
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

BEGIN_IMMEDIATE = "BEGIN IMMEDIATE"

# What one trip hands back: rows (None: the statement returns none), description,
# row count and last row id.
_Outcome = tuple[list[Any] | None, Any, int, int | None]
# Writes held back (`execute_behind`): SQL and parameters, in the order they were made.
_Held = list[tuple[str, Any]]
_HOLDABLE: Final = ("INSERT", "UPDATE", "DELETE")


def _send_ahead(connection: sqlite3.Connection, begin: str | None, held: _Held) -> None:
    """In aiosqlite's thread: the deferred BEGIN (if any), then the writes held back."""
    if begin is not None:
        connection.execute(begin)
    for operation, parameters in held:
        connection.execute(operation, () if parameters is None else parameters).close()


def _run(
    connection: sqlite3.Connection,
    begin: str | None,
    held: _Held,
    operation: str,
    parameters: Any,
    many: bool,
) -> _Outcome:
    """In aiosqlite's thread: what was held back, then the statement, whole."""
    _send_ahead(connection, begin, held)
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return rows, description, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


def _commit(connection: sqlite3.Connection, begin: str | None, held: _Held) -> None:
    """In aiosqlite's thread: what was held back, then COMMIT."""
    _send_ahead(connection, begin, held)
    connection.commit()


def _holdable(operation: str) -> bool:
    """Whether a statement can wait for the next trip: a write that returns nothing."""
    return operation.lstrip()[:6].upper() in _HOLDABLE and "RETURNING" not in operation.upper()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """The adapted connection: holds a deferred BEGIN and writes held back (`hold_next`),
    skips empty commits and rollbacks."""

    __slots__ = ("held", "hold_next", "pending_begin")

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.pending_begin: str | None = None
        self.held: _Held = []
        # Set just before a statement whose outcome nobody reads (`execute_behind`).
        self.hold_next = False

    def begin_immediately(self) -> None:
        """Start a write transaction with the next statement (`BEGIN IMMEDIATE`)."""
        self.pending_begin = BEGIN_IMMEDIATE

    def take_ahead(self) -> tuple[str | None, _Held]:
        """The deferred BEGIN and the writes held back, to send now (handed out once)."""
        begin, held = self.pending_begin, self.held
        self.pending_begin, self.held = None, []
        return begin, held

    def _open_on_database(self) -> bool:
        driver = self._connection._connection
        return driver is not None and driver.in_transaction

    def rollback(self) -> None:
        # Writes held back were never sent: there is nothing of theirs to undo.
        self.take_ahead()
        if self._open_on_database():
            super().rollback()

    def commit(self) -> None:
        begin, held = self.take_ahead()
        if held:
            try:
                await_(self._connection._execute(_commit, self._connection._conn, begin, held))
            except Exception as error:
                self._handle_exception(error)
        elif self._open_on_database():
            super().commit()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A cursor whose every statement is one trip to the database thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    _adapt_connection: OneTripConnection

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # No driver cursor is opened here: `_run` opens and closes its own.
        self._adapt_connection = cast(OneTripConnection, adapt_connection)
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    async def _async_soft_close(self) -> None:
        return  # the driver cursor closed in the trip that ran the statement

    def close(self) -> None:
        self._rows.clear()

    async def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        adapt = self._adapt_connection
        hold, adapt.hold_next = adapt.hold_next, False
        if hold and not many and _holdable(operation):
            adapt.held.append((operation, parameters))
            self._description, self._rowcount, self._lastrowid = None, -1, None
            return
        async with adapt._execute_mutex:
            connection = self._connection
            begin, held = adapt.take_ahead()
            outcome: _Outcome = await connection._execute(
                _run, connection._conn, begin, held, operation, parameters, many
            )
        rows, self._description, self._rowcount, self._lastrowid = outcome
        if rows is not None:
            self._rows = collections.deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        try:
            await_(self._trip(operation, parameters, False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            await_(self._trip(operation, seq_of_parameters, True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class BeginFirstServerSideCursor(AsyncAdapt_aiosqlite_ss_cursor):
    """SQLAlchemy's streaming cursor, sending a deferred BEGIN and any writes held back
    before its statement."""

    __slots__ = ()

    _adapt_connection: OneTripConnection

    async def _execute_async(self, operation: Any, parameters: Any) -> Any:
        begin, held = self._adapt_connection.take_ahead()
        if begin is not None:
            await self._cursor.execute(begin)
        for held_operation, held_parameters in held:
            await self._cursor.execute(held_operation, held_parameters)
        return await super()._execute_async(operation, parameters)


OneTripConnection._cursor_cls = OneTripCursor
OneTripConnection._ss_cursor_cls = BeginFirstServerSideCursor


class OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """The DB-API module SQLAlchemy's aiosqlite dialect is given: it makes `OneTripConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        connection = self.aiosqlite.connect(*arg, **kw)
        # As SQLAlchemy does: a daemon thread never keeps the process from exiting.
        connection._thread.daemon = True
        return OneTripConnection(self, await_(connection))


def one_trip_dbapi() -> OneTripDbapi:
    """The module to hand `create_async_engine(module=...)` for `sqlite+aiosqlite` URLs."""
    return OneTripDbapi(aiosqlite, sqlite3)


async def execute_behind(
    connection: AsyncConnection, statement: Executable, parameters: Mapping[str, Any]
) -> None:
    """Run a write whose outcome nobody reads (no rows, row count or new id).

    On SQLite through this driver it is held back and sent in the same trip as the
    transaction's next statement or its commit, still in order; an error in it then
    surfaces there (the transaction fails either way). Elsewhere it runs at once.
    """
    # Checked on the dialect first: reaching the driver's connection costs a hop of its own,
    # and PostgreSQL has nothing to hold.
    driver_side = (
        (await connection.get_raw_connection()).dbapi_connection
        if connection.dialect.name == "sqlite"
        else None
    )
    if not isinstance(driver_side, OneTripConnection):
        await connection.execute(statement, parameters)
        return
    driver_side.hold_next = True
    try:
        await connection.execute(statement, parameters)
    finally:
        driver_side.hold_next = False
