"""The retention purge: the data of people N1 has not heard from for `N1_RETENTION_MONTHS`
is erased, by the same erasure as /delete, and so are events older than that which name no
patient row (security events, safety events kept without a person). Run daily by
`bot.jobs` and by `n1 purge`."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.retention import retention_cutoff
from core.store.repositories.erasure import Erased, ErasureRepository, inactive_since
from usecases.erasure import erase


async def purge(
    session_factory: async_sessionmaker[AsyncSession],
    clock: Clock,
    months: int,
    *,
    dry_run: bool = False,
) -> Erased:
    """Erase everyone inactive for `months` (see `inactive_since`); with `dry_run`, only
    count what would go. Returns the counts, never who."""
    cutoff = retention_cutoff(clock.now(), months)
    who = inactive_since(cutoff)
    if dry_run:
        async with session_factory() as session:
            erasure = ErasureRepository(session)
            counted = await erasure.count(who)
            return replace(counted, old_events=await erasure.count_events_before(cutoff))
    return await erase(session_factory, who, events_before=cutoff)
