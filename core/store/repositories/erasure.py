"""Erasure: everything N1 keeps about some people, gone in a few set-based statements.

Who goes is a query of patient ids (`the_patient`, `inactive_since`), so erasing one person
(/delete) and everyone inactive (the retention purge) are the same statements. A person's
rows are found by the conventions of `core.store.tables`, for every table there: rows with
their `patient_id` go with the patient row (ON DELETE CASCADE); rows that name them by
`telegram_user_id` or `chat_id` without being tied to a patient row (security events,
messages queued for their chat alone) are deleted by those ids first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import ColumnElement, Select, Table, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import OutboxStatus
from core.store.repositories._common import table_of
from core.store.tables import (
    AnswerRow,
    CheckInRow,
    OutboxRow,
    PatientRow,
    SafetyEventRow,
    SecurityEventRow,
    WeeklySummaryRow,
    metadata,
)

# The columns that name a person outside a `patient_id` (see `core.store.tables`).
PERSON_COLUMNS: Final = ("telegram_user_id", "chat_id")

_PATIENTS = table_of(PatientRow)


def the_patient(patient_id: int) -> Select[tuple[int]]:
    """Who /delete erases: one person."""
    return select(_PATIENTS.c.id).where(_PATIENTS.c.id == patient_id)


def inactive_since(cutoff: datetime) -> Select[tuple[int]]:
    """Who the retention purge erases: people with no sign of them since `cutoff`.

    A sign of someone is anything they did: their last-seen time (touched by every command,
    typed message and tap), or, for someone never seen, when they first wrote (/start), and
    any answer given or changed. Messages N1 sent them are no sign of them.
    """
    answers = table_of(AnswerRow)
    answered_since = exists().where(
        answers.c.patient_id == _PATIENTS.c.id,
        or_(answers.c.answered_at >= cutoff, answers.c.changed_at >= cutoff),
    )
    last_sign = func.coalesce(_PATIENTS.c.last_seen_at, _PATIENTS.c.created_at)
    return select(_PATIENTS.c.id).where(last_sign < cutoff, ~answered_since)


@dataclass(frozen=True, slots=True)
class Erased:
    """How much an erasure removes (counts only: no ids, nothing anyone wrote)."""

    people: int = 0
    check_ins: int = 0
    answers: int = 0
    notes: int = 0
    summaries: int = 0
    messages_queued: int = 0
    # Retention only: security events, and safety events tied to nobody, older than the
    # period (they name no patient row, so no person's erasure reaches them).
    old_events: int = 0


class ErasureRepository:
    """Counts and erases people's data; never commits (the use-case owns the transaction,
    and clears SQLite's write-ahead log after it: `core.store.engine.clear_write_ahead_log`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def count(self, who: Select[tuple[int]]) -> Erased:
        """What erasing `who` would remove, in counts."""
        ids = who.scalar_subquery()
        check_ins, answers = table_of(CheckInRow), table_of(AnswerRow)
        summaries, outbox = table_of(WeeklySummaryRow), table_of(OutboxRow)
        waiting = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)
        return Erased(
            people=await self._count(_PATIENTS, _PATIENTS.c.id.in_(ids)),
            check_ins=await self._count(check_ins, check_ins.c.patient_id.in_(ids)),
            answers=await self._count(answers, answers.c.patient_id.in_(ids)),
            notes=await self._count(
                check_ins, check_ins.c.patient_id.in_(ids), check_ins.c.note.is_not(None)
            ),
            summaries=await self._count(summaries, summaries.c.patient_id.in_(ids)),
            messages_queued=await self._count(
                outbox, _theirs(outbox, who), outbox.c.status.in_(waiting)
            ),
        )

    async def erase(self, who: Select[tuple[int]]) -> Erased:
        """Erase everything about `who`: first the rows that name them by id alone, then the
        patient rows, which cascade to everything tied to them. Returns what went."""
        erased = await self.count(who)
        for table in metadata.sorted_tables:
            if table is _PATIENTS or not any(name in table.c for name in PERSON_COLUMNS):
                continue
            await self._session.execute(delete(table).where(_theirs(table, who)))
        await self._session.execute(delete(_PATIENTS).where(_PATIENTS.c.id.in_(who)))
        return erased

    async def count_events_before(self, cutoff: datetime) -> int:
        """How many events `erase_events_before(cutoff)` would delete."""
        security, safety = table_of(SecurityEventRow), table_of(SafetyEventRow)
        return await self._count(security, security.c.created_at < cutoff) + await self._count(
            safety, safety.c.patient_id.is_(None), safety.c.created_at < cutoff
        )

    async def erase_events_before(self, cutoff: datetime) -> None:
        """Delete security events, and safety events tied to nobody, from before `cutoff`."""
        security, safety = table_of(SecurityEventRow), table_of(SafetyEventRow)
        await self._session.execute(delete(security).where(security.c.created_at < cutoff))
        await self._session.execute(
            delete(safety).where(safety.c.patient_id.is_(None), safety.c.created_at < cutoff)
        )

    async def _count(self, table: Table, *where: ColumnElement[bool]) -> int:
        total = await self._session.scalar(select(func.count()).select_from(table).where(*where))
        return int(total or 0)


def _theirs(table: Table, who: Select[tuple[int]]) -> ColumnElement[bool]:
    """Rows of `table` that name one of `who` by Telegram user id or chat id. Rows tied to a
    patient row are left to the cascade (so they are found by `patient_id`, not scanned for)."""
    named: list[ColumnElement[bool]] = []
    for name in PERSON_COLUMNS:
        if name in table.c:
            theirs: Select[Any] = select(_PATIENTS.c[name]).where(_PATIENTS.c.id.in_(who))
            named.append(table.c[name].in_(theirs.scalar_subquery()))
    condition = or_(*named)
    if "patient_id" in table.c:
        return table.c.patient_id.in_(who.scalar_subquery()) | (
            table.c.patient_id.is_(None) & condition
        )
    return condition
