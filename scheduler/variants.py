"""Choosing a library text a person has not seen lately, and logging the choice.

Every variant N1 picks for one person (a nudge, "the door is open", "welcome back", the
thanks after a check-in) goes through `choose_for`: their recent library ids of that kind
are read, the text is chosen away from them, and the one used is logged, in the caller's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.store.repositories import MessageLogRepository
from messages.scheduled import Chosen
from messages.schema import Kind


async def choose_for(
    session: AsyncSession,
    patient_id: int,
    kind: Kind,
    now: datetime,
    choose: Callable[[Sequence[str]], Chosen],
) -> Chosen:
    """`choose(recent ids of kind)` for the person; the choice is logged as sent `now`."""
    log = MessageLogRepository(session)
    chosen = choose(await log.recent_ids(patient_id, [kind.value]))
    await log.record(patient_id, [(kind.value, chosen.library_id)], now)
    return chosen
