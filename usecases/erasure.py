"""Erasing people for good: /delete and the retention purge both come here.

One transaction deletes everything about them (`ErasureRepository.erase`); once it has
committed, SQLite's write-ahead log is cleared, so nothing they wrote is left in the files.
"""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.store.engine import clear_write_ahead_log
from core.store.repositories.erasure import Erased, ErasureRepository


async def erase(
    session_factory: async_sessionmaker[AsyncSession], who: Select[tuple[int]]
) -> Erased:
    """Erase everyone `who` selects, in one transaction; returns what went (counts only)."""
    async with session_factory.begin() as session:
        erased = await ErasureRepository(session).erase(who)
    await clear_write_ahead_log(session_factory)
    return erased
