"""Only one dispatcher sends at a time: Telegram's limit bounds delivery anyway.

On PostgreSQL a session-level advisory lock picks the dispatcher among processes; if its
holder dies, PostgreSQL ends its session and so frees the lock for another. SQLite runs in
one process, which always holds the lock.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import Final, Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

# The advisory lock key for "the dispatcher" ("N1DISP" in ASCII).
DISPATCH_LOCK_KEY: Final = 0x4E31_4449_5350


class LockState(Enum):
    """Whether this process may dispatch."""

    NOT_HELD = "not_held"
    HELD = "held"
    # Just taken: whatever another dispatcher left `sending` must be settled first.
    NEWLY_HELD = "newly_held"


class DispatchLock(Protocol):
    """Makes sure only one dispatcher sends at a time."""

    async def acquire(self) -> LockState:
        """Take (or confirm) the lock."""
        ...

    async def release(self) -> None:
        """Give the lock up."""
        ...


class LocalLock:
    """The lock for SQLite, where one process does the dispatching."""

    def __init__(self) -> None:
        self._held = False

    async def acquire(self) -> LockState:
        """Always held; newly on the first call."""
        if self._held:
            return LockState.HELD
        self._held = True
        return LockState.NEWLY_HELD

    async def release(self) -> None:
        """Forget the lock (a later acquire recovers again)."""
        self._held = False


class PostgresAdvisoryLock:
    """A session-level PostgreSQL advisory lock on a connection kept for this purpose.

    If the process dies, PostgreSQL ends its session and so frees the lock for another.
    """

    def __init__(self, engine: AsyncEngine, key: int = DISPATCH_LOCK_KEY) -> None:
        self._engine = engine
        self._key = key
        self._connection: AsyncConnection | None = None

    async def acquire(self) -> LockState:
        """Check the held connection is alive, or try to take the lock."""
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return LockState.HELD
            except Exception:
                logger.warning("dispatcher lost its database connection, and so its lock")
                await self._drop()
        connection = await self._engine.connect()
        try:
            # Autocommit: holding the lock must not hold a transaction open for hours.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            )
            if result.scalar():
                self._connection = connection
                return LockState.NEWLY_HELD
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        return LockState.NOT_HELD

    async def release(self) -> None:
        """Unlock and return the connection."""
        if self._connection is None:
            return
        try:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self._key}
            )
        except Exception:
            logger.warning("could not unlock the dispatcher lock; closing its connection")
        await self._drop()

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.close()
            except Exception:
                logger.warning("could not close the dispatcher lock connection")


def dispatch_lock_for(engine: AsyncEngine) -> DispatchLock:
    """The right lock for the engine's database."""
    if engine.dialect.name == "postgresql":
        return PostgresAdvisoryLock(engine)
    return LocalLock()
