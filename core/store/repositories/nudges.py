"""Nudge state on check-ins: when the next gentle follow-up is due, and what was tapped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CheckIn, Patient
from core.store import records
from core.store.repositories._common import columns
from core.store.repositories.patients import PatientRepository
from core.store.tables import CheckInRow


@dataclass(frozen=True, slots=True)
class DueNudge:
    """A check-in whose nudge is due, and its patient."""

    check_in: CheckIn
    patient: Patient


class NudgeRepository:
    """Plans, claims and cancels nudges; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def set(
        self,
        check_in_id: int,
        *,
        due_at: datetime | None,
        sent: int | None = None,
        reply: str | None = None,
    ) -> None:
        """Set (or clear) when the check-in's next nudge is due; optionally count and reply."""
        values: dict[str, Any] = {"nudge_due_at": due_at}
        if sent is not None:
            values["nudges_sent"] = sent
        if reply is not None:
            values["nudge_reply"] = reply
        await self._session.execute(
            update(CheckInRow).where(CheckInRow.id == check_in_id).values(**values)
        )

    async def claim_due(self, *, now: datetime, limit: int) -> list[DueNudge]:
        """Up to `limit` check-ins whose nudge is due, locked until commit (skip locked)."""
        statement = (
            select(*columns(CheckInRow))
            .where(CheckInRow.nudge_due_at <= now)
            .order_by(CheckInRow.nudge_due_at, CheckInRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self._session.execute(statement)
        check_ins = [records.check_in(row) for row in rows.mappings()]
        patients = await PatientRepository(self._session).many({c.patient_id for c in check_ins})
        return [DueNudge(c, patients[c.patient_id]) for c in check_ins]

    async def earliest(self) -> datetime | None:
        """When the next nudge falls due, if any."""
        return await self._session.scalar(select(func.min(CheckInRow.nudge_due_at)))
