"""Whole-store counts (no health values): what the demo report and operators look at."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.store.tables import AnswerRow, CheckInRow, OutboxRow, PatientRow


class ReportingRepository:
    """Counts across all patients, each in one set-based query."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def patients_by_status(self) -> dict[str, int]:
        """How many patients are in each status."""
        rows = await self._session.execute(
            select(PatientRow.status, func.count()).group_by(PatientRow.status)
        )
        return dict(rows.all())

    async def check_ins_by_slot(self) -> dict[str, int]:
        """How many check-ins were opened, by slot (daily, baseline, ondemand...)."""
        rows = await self._session.execute(
            select(CheckInRow.slot, func.count()).group_by(CheckInRow.slot)
        )
        return dict(rows.all())

    async def answer_counts(self) -> dict[str, int]:
        """Check-ins with at least one answer, answers given, items skipped, notes left."""
        answered = await self._session.scalar(
            select(func.count(func.distinct(AnswerRow.check_in_id)))
        )
        given = await self._session.scalar(
            select(func.count()).select_from(AnswerRow).where(AnswerRow.value.is_not(None))
        )
        skipped = await self._session.scalar(
            select(func.count()).select_from(AnswerRow).where(AnswerRow.value.is_(None))
        )
        notes = await self._session.scalar(
            select(func.count()).select_from(CheckInRow).where(CheckInRow.note.is_not(None))
        )
        return {
            "check_ins_answered": answered or 0,
            "answers": given or 0,
            "skipped": skipped or 0,
            "notes": notes or 0,
        }

    async def outbox_counts(self) -> dict[tuple[str, str], int]:
        """(kind, status) -> how many outbox messages."""
        statement = select(OutboxRow.kind, OutboxRow.status, func.count()).group_by(
            OutboxRow.kind, OutboxRow.status
        )
        rows = await self._session.execute(statement)
        return {(kind, status): int(count) for kind, status, count in rows.all()}

    async def check_in_counts(self) -> dict[tuple[str, str], int]:
        """(slot, status) -> how many check-ins."""
        statement = select(CheckInRow.slot, CheckInRow.status, func.count()).group_by(
            CheckInRow.slot, CheckInRow.status
        )
        rows = await self._session.execute(statement)
        return {(slot, status): int(count) for slot, status, count in rows.all()}

    async def answered_check_ins(self) -> dict[str, int]:
        """slot -> how many check-ins have at least one answer."""
        answered = exists().where(AnswerRow.check_in_id == CheckInRow.id)
        statement = select(CheckInRow.slot, func.count()).where(answered).group_by(CheckInRow.slot)
        rows = await self._session.execute(statement)
        return {slot: int(count) for slot, count in rows.all()}
