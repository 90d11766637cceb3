"""Weekly summaries as sent, and the log of library messages each person was sent.

Both repositories never commit: the use-case owns the transaction. Nothing is logged:
summaries and focus answers are health-related free text, kept encrypted (`core.crypto`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Final

from sqlalchemy import Executable, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import WeeklySummary
from core.store import records
from core.store.repositories._common import cipher_of, columns, upsert
from core.store.tables import MessageLogRow, WeeklySummaryRow

# Longest "what would you like to do a little more of" answer kept (the person's own words).
MAX_FOCUS: Final = 300
# How many recent library ids `recent_ids` returns by default: selection avoids the last
# 10 of each kind, and a weekly summary uses about 6 kinds.
DEFAULT_RECENT: Final = 60


def _clip_focus(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_FOCUS else text[: MAX_FOCUS - 1].rstrip() + "…"


class WeeklySummaryRepository:
    """Reads and writes weekly summaries; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(
        self, *, patient_id: int, week_start: date, text: str, now: datetime
    ) -> tuple[WeeklySummary, bool]:
        """Keep the summary for (person, week) unless one exists; returns (summary, created).

        A second call for the same week (a retried tick) leaves the first summary as it was.
        """
        statement = (
            upsert(self._session, WeeklySummaryRow)
            .values(
                patient_id=patient_id,
                week_start=week_start,
                text=cipher_of(self._session).encrypt(text),
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["patient_id", "week_start"])
            .returning(*columns(WeeklySummaryRow))
        )
        created = await self._one(statement)
        if created is not None:
            return created, True
        existing = await self.get(patient_id, week_start)
        if existing is None:  # pragma: no cover - the conflicting row cannot vanish mid-statement
            raise RuntimeError("summary insert conflicted but no summary was found")
        return existing, False

    async def get(self, patient_id: int, week_start: date) -> WeeklySummary | None:
        """The person's summary for the week starting `week_start`, if any."""
        return await self._one(
            select(*columns(WeeklySummaryRow)).where(
                WeeklySummaryRow.patient_id == patient_id,
                WeeklySummaryRow.week_start == week_start,
            )
        )

    async def all(self) -> list[WeeklySummary]:
        """Every summary kept, oldest week first (for the demo's report)."""
        statement = select(*columns(WeeklySummaryRow)).order_by(
            WeeklySummaryRow.week_start, WeeklySummaryRow.patient_id
        )
        rows = await self._session.execute(statement)
        cipher = cipher_of(self._session)
        return [records.weekly_summary(row, cipher) for row in rows.mappings()]

    async def latest(self, patient_id: int, *, before: date | None = None) -> WeeklySummary | None:
        """The person's most recent summary (of a week starting before `before`, if given)."""
        statement = select(*columns(WeeklySummaryRow)).where(
            WeeklySummaryRow.patient_id == patient_id
        )
        if before is not None:
            statement = statement.where(WeeklySummaryRow.week_start < before)
        return await self._one(statement.order_by(WeeklySummaryRow.week_start.desc()).limit(1))

    async def set_next_focus(
        self, patient_id: int, text: str, now: datetime
    ) -> WeeklySummary | None:
        """Keep the person's answer on their latest summary (None: they have none yet).

        The text is their own words, with spaces tidied and cut to `MAX_FOCUS` characters.
        A later answer replaces an earlier one for the same week.
        """
        latest = await self.latest(patient_id)
        if latest is None:
            return None
        return await self._one(
            update(WeeklySummaryRow)
            .where(WeeklySummaryRow.id == latest.id)
            .values(
                next_focus=cipher_of(self._session).encrypt(_clip_focus(text)),
                focus_answered_at=now,
            )
            .returning(*columns(WeeklySummaryRow))
        )

    async def _one(self, statement: Executable) -> WeeklySummary | None:
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else records.weekly_summary(row, cipher_of(self._session))


class MessageLogRepository:
    """Which library messages each person was sent, so variants are not repeated to them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, patient_id: int, sent: Sequence[tuple[str, str]], now: datetime
    ) -> None:
        """Log (kind, message id) pairs sent to one person, in that order."""
        if not sent:
            return
        await self._session.execute(
            insert(MessageLogRow),
            [
                {"patient_id": patient_id, "kind": kind, "message_id": message_id, "sent_at": now}
                for kind, message_id in sent
            ],
        )

    async def recent_ids(
        self,
        patient_id: int,
        kinds: Collection[str] | None = None,
        limit: int = DEFAULT_RECENT,
    ) -> list[str]:
        """The person's latest library ids (of `kinds`, if given), oldest first."""
        statement = select(MessageLogRow.message_id).where(MessageLogRow.patient_id == patient_id)
        if kinds is not None:
            statement = statement.where(MessageLogRow.kind.in_(sorted(kinds)))
        statement = statement.order_by(
            MessageLogRow.sent_at.desc(), MessageLogRow.id.desc()
        ).limit(limit)
        newest_first = (await self._session.scalars(statement)).all()
        return list(reversed(newest_first))
