"""A person's schedule rows, recomputed from their preferences and status.

Placeholder seam while the scheduling work lands: nothing is scheduled yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Patient


async def reschedule(session: AsyncSession, patient: Patient, now: datetime) -> None:
    """Recompute the person's next check-in and summary times."""
    del session, patient, now
