"""Signposts given after safety screening: category and time, never the text."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import SafetyEvent
from core.safety import Category
from core.store import records
from core.store.repositories._common import columns
from core.store.tables import SafetyEventRow


class SafetyEventRepository:
    """Appends and reads safety events; never commits. Holds no text a person typed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, *, patient_id: int | None, category: Category, now: datetime
    ) -> SafetyEvent:
        """Record that `category`'s signpost was given (to someone N1 has not met: None)."""
        statement = (
            insert(SafetyEventRow)
            .values(patient_id=patient_id, category=category.value, created_at=now)
            .returning(*columns(SafetyEventRow))
        )
        return records.safety_event((await self._session.execute(statement)).mappings().one())

    async def for_patient(self, patient_id: int) -> list[SafetyEvent]:
        """A person's safety events, oldest first."""
        rows = await self._session.execute(
            select(*columns(SafetyEventRow))
            .where(SafetyEventRow.patient_id == patient_id)
            .order_by(SafetyEventRow.created_at, SafetyEventRow.id)
        )
        return [records.safety_event(row) for row in rows.mappings()]
