"""The encrypted columns as a whole (`core.store.sealed`): re-encrypting them under the first
key, and a sample of them for the check at start. Counts and column names only, never a
value."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.crypto import Rotated
from core.store.repositories._common import cipher_of, table_of
from core.store.sealed import PAYLOAD_TEXT, Sealed

# How many of the oldest and of the newest values of each column the check at start reads.
SAMPLE_EACH_END = 20


@dataclass(slots=True)
class RotatedBatch:
    """One batch of `SealedTextRepository.rotate_batch`: where it ended and what it did."""

    last_id: int | None
    counts: Counter[Rotated] = field(default_factory=Counter)


class SealedTextRepository:
    """Reads and rewrites encrypted values in batches; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def rotate_batch(self, sealed: Sealed, *, after_id: int, limit: int) -> RotatedBatch:
        """Rewrite up to `limit` values of `sealed` with ids above `after_id` under the first
        key (plain text is encrypted; values no key opens are left and counted); one SELECT
        and one many-row UPDATE. `last_id` None: there was nothing left."""
        table = table_of(sealed.model)
        column = table.c[sealed.column]
        rows = (
            await self._session.execute(
                select(table.c.id, column)
                .where(table.c.id > after_id, column.is_not(None))
                .order_by(table.c.id)
                .limit(limit)
            )
        ).all()
        batch = RotatedBatch(rows[-1][0] if rows else None)
        cipher = cipher_of(self._session)
        changed: list[dict[str, Any]] = []
        for row_id, value in rows:
            text = sealed.text_of(value)
            if text is None:
                continue
            new_text, what = cipher.rotate(text)
            new_value: Any = {**value, PAYLOAD_TEXT: new_text} if sealed.in_payload else new_text
            batch.counts[what] += 1
            if what is not Rotated.UNREADABLE:
                changed.append({"row_id": row_id, "new_value": new_value})
        if changed:
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({column: bindparam("new_value", type_=column.type)})
            )
            await self._session.execute(statement, changed)
        return batch

    async def unreadable_in_sample(self, sealed: Sealed) -> list[str]:
        """Stored values of `sealed` that no configured key opens, among those of its
        oldest and its newest rows (`SAMPLE_EACH_END` of each)."""
        table = table_of(sealed.model)
        column = table.c[sealed.column]
        found: list[str] = []
        for order in (table.c.id.asc(), table.c.id.desc()):
            values = await self._session.scalars(
                select(column).where(column.is_not(None)).order_by(order).limit(SAMPLE_EACH_END)
            )
            found += [text for value in values if (text := sealed.text_of(value)) is not None]
        cipher = cipher_of(self._session)
        return [text for text in found if not cipher.readable(text)]
