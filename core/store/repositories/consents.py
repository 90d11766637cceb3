"""Consent decisions (explicit, separate, withdrawable)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Consent
from core.store import records
from core.store.repositories._common import columns, table_of
from core.store.tables import ConsentRow


@cache
def _latest() -> Select[Any]:
    """`latest`'s query, built once (every check-in tap asks it)."""
    consents = table_of(ConsentRow)
    return (
        select(*consents.c)
        .where(
            consents.c.patient_id == bindparam("patient_id"), consents.c.kind == bindparam("kind")
        )
        .order_by(consents.c.decided_at.desc(), consents.c.id.desc())
        .limit(1)
    )


class ConsentRepository:
    """Records and reads consent decisions; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, *, patient_id: int, kind: str, version: str, granted: bool, now: datetime
    ) -> Consent:
        """Record a decision; each decision is a new row, so the history is kept."""
        statement = (
            insert(ConsentRow)
            .values(
                patient_id=patient_id, kind=kind, version=version, granted=granted, decided_at=now
            )
            .returning(*columns(ConsentRow))
        )
        return records.consent((await self._session.execute(statement)).mappings().one())

    async def latest(self, patient_id: int, kind: str) -> Consent | None:
        """The most recent decision of this kind, which is the one that counts."""
        rows = await self._session.execute(_latest(), {"patient_id": patient_id, "kind": kind})
        row = rows.mappings().first()
        return None if row is None else records.consent(row)

    async def withdraw(self, patient_id: int, kind: str, now: datetime) -> Consent | None:
        """Withdraw the current consent of this kind; None if none was in force."""
        current = await self.latest(patient_id, kind)
        if current is None or not current.active:
            return None
        statement = (
            update(ConsentRow)
            .where(ConsentRow.id == current.id)
            .values(withdrawn_at=now)
            .returning(*columns(ConsentRow))
        )
        return records.consent((await self._session.execute(statement)).mappings().one())
