"""Erasing people for good: /delete and the retention purge both come here.

One transaction deletes everything about them (`ErasureRepository.erase`); once it has
committed, SQLite's write-ahead log is cleared, so nothing they wrote is left in the files.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.store.engine import clear_write_ahead_log
from core.store.repositories.erasure import Erased, ErasureRepository


async def erase(
    session_factory: async_sessionmaker[AsyncSession],
    who: Select[tuple[int]],
    *,
    events_before: datetime | None = None,
) -> Erased:
    """Erase everyone `who` selects, and (`events_before`) the events tied to nobody from
    before then, in one transaction; returns what went (counts only)."""
    async with session_factory.begin() as session:
        erasure = ErasureRepository(session)
        old_events = 0
        if events_before is not None:  # first, so that a dry run counts the same
            old_events = await erasure.count_events_before(events_before)
            await erasure.erase_events_before(events_before)
        erased = replace(await erasure.erase(who), old_events=old_events)
    await clear_write_ahead_log(session_factory)
    return erased
