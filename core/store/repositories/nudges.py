"""Nudge state on check-ins: when the next gentle follow-up is due, and what was tapped."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CheckIn, Patient
from core.store import records
from core.store.repositories._common import cipher_of, table_of
from core.store.repositories.patients import PatientRepository
from core.store.tables import CheckInRow

# First nudges planned, many rows to one statement (the dispatcher, a group at a time).
_SET_DUE = (
    update(table_of(CheckInRow))
    .where(table_of(CheckInRow).c.id == bindparam("check_in_id"))
    .values(nudge_due_at=bindparam("nudge_due_at"))
)


@cache
def _claim() -> Select[Any]:
    check_ins = table_of(CheckInRow)
    return (
        select(*check_ins.c)
        .where(check_ins.c.nudge_due_at <= bindparam("now"))
        .order_by(check_ins.c.nudge_due_at, check_ins.c.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


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

    async def set_due_many(self, due: Mapping[int, datetime]) -> None:
        """Check-in id -> when its nudge is due, for many check-ins in one statement."""
        if not due:
            return
        await self._session.execute(
            _SET_DUE,
            [{"check_in_id": check_in_id, "nudge_due_at": at} for check_in_id, at in due.items()],
        )

    async def claim_due(self, *, now: datetime, limit: int) -> list[DueNudge]:
        """Up to `limit` check-ins whose nudge is due, locked until commit (skip locked)."""
        rows = await self._session.execute(_claim(), {"now": now, "limit": limit})
        cipher = cipher_of(self._session)
        check_ins = [records.check_in(row, cipher) for row in rows.mappings()]
        patients = await PatientRepository(self._session).many({c.patient_id for c in check_ins})
        return [DueNudge(c, patients[c.patient_id]) for c in check_ins]

    async def earliest(self) -> datetime | None:
        """When the next nudge falls due, if any."""
        return await self._session.scalar(select(func.min(CheckInRow.nudge_due_at)))
