"""Weekly summaries as sent, and the log of library messages each person was sent.

Both repositories never commit: the use-case owns the transaction. Every "for many people"
method is one statement, whatever the number of people. Nothing is logged: summaries and
focus answers are health-related free text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.store.repositories._common import as_dict, columns, upsert
from core.store.tables import MessageLogRow, WeeklySummaryRow

# Longest "what would you like to do a little more of" answer kept (the person's own words).
MAX_FOCUS: Final = 300
# How many recent library ids per person `recent_ids` returns by default: selection avoids
# the last 10 of each kind, and a weekly summary uses about 6 kinds.
DEFAULT_RECENT: Final = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklySummary:
    """A weekly summary as sent, and the person's answer to "a little more of next week"."""

    id: int
    patient_id: int
    # The local Monday of the calendar week the summary was for (one summary a week).
    week_start: date
    text: str
    next_focus: str | None
    created_at: datetime
    focus_answered_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SummaryToSave:
    """One summary for `WeeklySummaryRepository.save_many`."""

    patient_id: int
    week_start: date
    text: str


def _summary(row: Row[Any]) -> WeeklySummary:
    return WeeklySummary(**as_dict(row))


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
            .values(patient_id=patient_id, week_start=week_start, text=text, created_at=now)
            .on_conflict_do_nothing(index_elements=["patient_id", "week_start"])
            .returning(*columns(WeeklySummaryRow))
        )
        row = (await self._session.execute(statement)).first()
        if row is not None:
            return _summary(row), True
        existing = await self.get(patient_id, week_start)
        if existing is None:  # pragma: no cover - the conflicting row cannot vanish mid-statement
            raise RuntimeError("summary insert conflicted but no summary was found")
        return existing, False

    async def save_many(self, summaries: Sequence[SummaryToSave], now: datetime) -> None:
        """Keep many summaries in one statement; weeks that already have one are left alone."""
        if not summaries:
            return
        statement = upsert(self._session, WeeklySummaryRow).on_conflict_do_nothing(
            index_elements=["patient_id", "week_start"]
        )
        await self._session.execute(
            statement,
            [
                {
                    "patient_id": s.patient_id,
                    "week_start": s.week_start,
                    "text": s.text,
                    "created_at": now,
                }
                for s in summaries
            ],
        )

    async def get(self, patient_id: int, week_start: date) -> WeeklySummary | None:
        """The person's summary for the week starting `week_start`, if any."""
        statement = select(*columns(WeeklySummaryRow)).where(
            WeeklySummaryRow.patient_id == patient_id,
            WeeklySummaryRow.week_start == week_start,
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _summary(row)

    async def for_weeks(
        self, keys: Collection[tuple[int, date]]
    ) -> dict[tuple[int, date], WeeklySummary]:
        """The summaries that exist for these (person, week start) pairs, in one query."""
        if not keys:
            return {}
        patient_ids = sorted({patient_id for patient_id, _ in keys})
        weeks = sorted({week for _, week in keys})
        statement = select(*columns(WeeklySummaryRow)).where(
            WeeklySummaryRow.patient_id.in_(patient_ids),
            WeeklySummaryRow.week_start.in_(weeks),
        )
        found = [_summary(row) for row in await self._session.execute(statement)]
        wanted = set(keys)
        return {
            (s.patient_id, s.week_start): s
            for s in found
            if (s.patient_id, s.week_start) in wanted
        }

    async def all(self) -> list[WeeklySummary]:
        """Every summary kept, oldest week first (for the demo's report)."""
        statement = select(*columns(WeeklySummaryRow)).order_by(
            WeeklySummaryRow.week_start, WeeklySummaryRow.patient_id
        )
        return [_summary(row) for row in await self._session.execute(statement)]

    async def latest(self, patient_id: int) -> WeeklySummary | None:
        """The person's most recent summary (for /summary), if any."""
        statement = (
            select(*columns(WeeklySummaryRow))
            .where(WeeklySummaryRow.patient_id == patient_id)
            .order_by(WeeklySummaryRow.week_start.desc())
            .limit(1)
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _summary(row)

    async def previous_focus(self, patient_ids: Sequence[int], before: date) -> dict[int, str]:
        """Each person's answer from their latest summary before `before`, in one query.

        People whose latest earlier summary has no answer are left out: an answer from
        weeks back is not "last week's".
        """
        if not patient_ids:
            return {}
        ranked = (
            select(
                WeeklySummaryRow.patient_id,
                WeeklySummaryRow.next_focus,
                func.row_number()
                .over(
                    partition_by=WeeklySummaryRow.patient_id,
                    order_by=WeeklySummaryRow.week_start.desc(),
                )
                .label("rank"),
            )
            .where(
                WeeklySummaryRow.patient_id.in_(patient_ids),
                WeeklySummaryRow.week_start < before,
            )
            .subquery()
        )
        statement = select(ranked.c.patient_id, ranked.c.next_focus).where(
            ranked.c.rank == 1, ranked.c.next_focus.is_not(None)
        )
        rows = await self._session.execute(statement)
        return {patient_id: focus for patient_id, focus in rows if focus}

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
        statement = (
            update(WeeklySummaryRow)
            .where(WeeklySummaryRow.id == latest.id)
            .values(next_focus=_clip_focus(text), focus_answered_at=now)
            .returning(*columns(WeeklySummaryRow))
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _summary(row)


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggedMessage:
    """One library message sent to one person."""

    patient_id: int
    kind: str
    message_id: str


class MessageLogRepository:
    """Which library messages each person was sent, so variants are not repeated to them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self, patient_id: int, sent: Sequence[tuple[str, str]], now: datetime
    ) -> None:
        """Log (kind, message id) pairs sent to one person, in that order."""
        await self.record_many(
            [LoggedMessage(patient_id=patient_id, kind=k, message_id=m) for k, m in sent], now
        )

    async def record_many(self, sent: Sequence[LoggedMessage], now: datetime) -> None:
        """Log messages sent to many people, in one statement."""
        if not sent:
            return
        await self._session.execute(
            insert(MessageLogRow),
            [
                {
                    "patient_id": m.patient_id,
                    "kind": m.kind,
                    "message_id": m.message_id,
                    "sent_at": now,
                }
                for m in sent
            ],
        )

    async def recent_ids(
        self,
        patient_id: int,
        kinds: Collection[str] | None = None,
        limit: int = DEFAULT_RECENT,
    ) -> list[str]:
        """The person's latest library ids (of `kinds`, if given), oldest first."""
        found = await self.recent_ids_for([patient_id], kinds, limit)
        return found[patient_id]

    async def recent_ids_for(
        self,
        patient_ids: Sequence[int],
        kinds: Collection[str] | None = None,
        limit: int = DEFAULT_RECENT,
    ) -> dict[int, list[str]]:
        """Each person's latest `limit` library ids, oldest first, in one query."""
        found: dict[int, list[str]] = {patient_id: [] for patient_id in patient_ids}
        if not patient_ids:
            return found
        conditions = [MessageLogRow.patient_id.in_(patient_ids)]
        if kinds is not None:
            conditions.append(MessageLogRow.kind.in_(sorted(kinds)))
        ranked = (
            select(
                MessageLogRow.patient_id,
                MessageLogRow.message_id,
                MessageLogRow.sent_at,
                MessageLogRow.id,
                func.row_number()
                .over(
                    partition_by=MessageLogRow.patient_id,
                    order_by=(MessageLogRow.sent_at.desc(), MessageLogRow.id.desc()),
                )
                .label("rank"),
            )
            .where(*conditions)
            .subquery()
        )
        statement = (
            select(ranked.c.patient_id, ranked.c.message_id)
            .where(ranked.c.rank <= limit)
            .order_by(ranked.c.patient_id, ranked.c.sent_at, ranked.c.id)
        )
        for patient_id, message_id in await self._session.execute(statement):
            found[patient_id].append(message_id)
        return found
