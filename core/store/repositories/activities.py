"""The 1 to 3 activities that matter to a person, in their own words (kept encrypted)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.store.repositories._common import cipher_of, table_of
from core.store.tables import ActivityRow

MAX_ACTIVITIES = 3
MAX_LABEL = 100


@cache
def _labels_of_many() -> Select[Any]:
    # Built once, on the table: the tick asks this for every batch of check-ins.
    activities = table_of(ActivityRow)
    return (
        select(activities.c.patient_id, activities.c.position, activities.c.label)
        .where(activities.c.patient_id.in_(bindparam("patient_ids", expanding=True)))
        .order_by(activities.c.patient_id, activities.c.position)
    )


class ActivityRepository:
    """Reads and replaces a person's activities; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def labels(self, patient_id: int) -> dict[int, str]:
        """Position (1 to 3) -> the person's own words."""
        statement = (
            select(ActivityRow.position, ActivityRow.label)
            .where(ActivityRow.patient_id == patient_id)
            .order_by(ActivityRow.position)
        )
        rows = await self._session.execute(statement)
        cipher = cipher_of(self._session)
        return {position: cipher.decrypt(label) for position, label in rows}

    async def labels_of_many(self, patient_ids: Collection[int]) -> dict[int, dict[int, str]]:
        """patient id -> their activities (position -> their own words), in one query;
        everyone asked about gets an entry."""
        found: dict[int, dict[int, str]] = {patient_id: {} for patient_id in patient_ids}
        if not found:
            return found
        rows = await self._session.execute(_labels_of_many(), {"patient_ids": sorted(found)})
        cipher = cipher_of(self._session)
        for patient_id, position, label in rows:
            found[patient_id][position] = cipher.decrypt(label)
        return found

    async def replace(self, patient_id: int, labels: Sequence[str], now: datetime) -> None:
        """Set the person's activities to `labels`, in order (1 to 3 of them)."""
        if not 1 <= len(labels) <= MAX_ACTIVITIES:
            raise ValueError("a person has 1 to 3 activities")
        if any(not label.strip() or len(label) > MAX_LABEL for label in labels):
            raise ValueError("an activity is 1 to 100 characters")
        existing = delete(ActivityRow).where(ActivityRow.patient_id == patient_id)
        await self._session.execute(existing)
        cipher = cipher_of(self._session)
        await self._session.execute(
            insert(ActivityRow),
            [
                {
                    "patient_id": patient_id,
                    "position": index,
                    "label": cipher.encrypt(label),
                    "created_at": now,
                }
                for index, label in enumerate(labels, start=1)
            ],
        )
