"""Schedules: when each person's next check-in and weekly summary are due.

The tick claims due rows with `FOR UPDATE SKIP LOCKED` (PostgreSQL), so several processes share
the work without taking the same row; SQLite ignores the clause, and its single writer
(`BEGIN IMMEDIATE`, see `core.store.engine`) serialises whole transactions instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Patient, PatientStatus, Schedule, ScheduleKind
from core.store import records
from core.store.repositories._common import columns, table_of, upsert
from core.store.tables import PatientRow, ScheduleRow

# The tick's statements, on the tables (Core) with bound parameters: built once, where
# building a statement and its cache key costs more than running it, and executed without
# the ORM's per-row handling (`make bench`, tick). `_ADVANCE` is an executemany of one
# compiled statement, where the ORM's bulk update would handle every row as an object.
_SCHEDULES, _PATIENTS = table_of(ScheduleRow), table_of(PatientRow)
_ADVANCE = (
    update(_SCHEDULES)
    .where(_SCHEDULES.c.id == bindparam("schedule_id"))
    .values(
        next_due_at=bindparam("next_due_at"),
        due_local_date=bindparam("due_local_date"),
        updated_at=bindparam("updated_at"),
    )
)
_SET_BACKOFF = (
    update(_PATIENTS)
    .where(_PATIENTS.c.id == bindparam("patient_id"))
    .values(backoff_level=bindparam("backoff_level"))
)


@cache
def _claim() -> Select[Any]:
    # The rows and their people in one statement; only the schedule rows are locked.
    return (
        select(*_SCHEDULES.c, *_PATIENTS.c)
        .join(_PATIENTS, _PATIENTS.c.id == _SCHEDULES.c.patient_id)
        .where(_SCHEDULES.c.next_due_at <= bindparam("now"))
        .order_by(_SCHEDULES.c.next_due_at, _SCHEDULES.c.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True, of=_SCHEDULES)
    )


_SCHEDULE_KEYS = tuple(column.key for column in _SCHEDULES.c)
_PATIENT_KEYS = tuple(column.key for column in _PATIENTS.c)


@dataclass(frozen=True, slots=True)
class DueSchedule:
    """A claimed schedule row and its patient."""

    schedule: Schedule
    patient: Patient


@dataclass(frozen=True, slots=True)
class ScheduleStep:
    """Where a claimed schedule row moves on to (None: nothing more is scheduled)."""

    schedule_id: int
    next_due_at: datetime | None
    due_local_date: date | None


class ScheduleRepository:
    """Reads, claims and advances schedule rows; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, patient_id: int, kind: ScheduleKind) -> Schedule | None:
        """The person's schedule of this kind, if it exists."""
        statement = select(*columns(ScheduleRow)).where(
            ScheduleRow.patient_id == patient_id, ScheduleRow.kind == kind.value
        )
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else records.schedule(row)

    async def for_patient(self, patient_id: int) -> list[Schedule]:
        """All of the person's schedule rows, by kind."""
        statement = (
            select(*columns(ScheduleRow))
            .where(ScheduleRow.patient_id == patient_id)
            .order_by(ScheduleRow.kind)
        )
        rows = await self._session.execute(statement)
        return [records.schedule(row) for row in rows.mappings()]

    async def set(
        self,
        patient_id: int,
        kind: ScheduleKind,
        *,
        next_due_at: datetime | None,
        due_local_date: date | None,
        now: datetime,
    ) -> Schedule:
        """Create or replace the person's schedule of this kind (None: nothing scheduled)."""
        insert = upsert(self._session, ScheduleRow).values(
            patient_id=patient_id,
            kind=kind.value,
            next_due_at=next_due_at,
            due_local_date=due_local_date,
            updated_at=now,
        )
        statement = insert.on_conflict_do_update(
            index_elements=["patient_id", "kind"],
            set_={
                "next_due_at": insert.excluded.next_due_at,
                "due_local_date": insert.excluded.due_local_date,
                "updated_at": insert.excluded.updated_at,
            },
        ).returning(*columns(ScheduleRow))
        return records.schedule((await self._session.execute(statement)).mappings().one())

    async def stop_all(self, patient_id: int, now: datetime) -> None:
        """Schedule nothing more for the person (blocked, stopped, or the door is open)."""
        await self._session.execute(
            update(ScheduleRow)
            .where(ScheduleRow.patient_id == patient_id)
            .values(next_due_at=None, due_local_date=None, updated_at=now)
        )

    async def claim_due(self, *, now: datetime, limit: int) -> list[DueSchedule]:
        """Up to `limit` rows due at or before `now`, oldest first, locked until commit.

        Rows another transaction holds are skipped (PostgreSQL), so two ticks never fire the
        same row; the caller advances every row it claims before committing.
        """
        split = len(_SCHEDULE_KEYS)
        rows = await self._session.execute(_claim(), {"now": now, "limit": limit})
        return [
            DueSchedule(
                records.schedule(dict(zip(_SCHEDULE_KEYS, row[:split], strict=True))),
                records.patient(dict(zip(_PATIENT_KEYS, row[split:], strict=True))),
            )
            for row in rows
        ]

    async def set_backoff_level(self, patient_id: int, level: int) -> None:
        """Record how far the person's check-ins have backed off (0: their own schedule)."""
        await self._session.execute(
            update(PatientRow).where(PatientRow.id == patient_id).values(backoff_level=level)
        )

    async def earliest_due(self) -> datetime | None:
        """When the next schedule row falls due, if any is scheduled."""
        return await self._session.scalar(select(func.min(ScheduleRow.next_due_at)))

    async def patients_without_schedules(self, *, limit: int = 1000) -> list[Patient]:
        """Active or paused people with no schedule rows (e.g. set up before scheduling)."""
        has_rows = exists().where(ScheduleRow.patient_id == PatientRow.id)
        statement = (
            select(*columns(PatientRow))
            .where(
                PatientRow.status.in_([PatientStatus.ACTIVE.value, PatientStatus.PAUSED.value]),
                ~has_rows,
            )
            .order_by(PatientRow.id)
            .limit(limit)
        )
        rows = await self._session.execute(statement)
        return [records.patient(row) for row in rows.mappings()]

    async def advance_many(self, steps: Sequence[ScheduleStep], now: datetime) -> None:
        """Move many claimed rows on at once (one UPDATE statement, many rows)."""
        if not steps:
            return
        await self._session.execute(
            _ADVANCE,
            [
                {
                    "schedule_id": step.schedule_id,
                    "next_due_at": step.next_due_at,
                    "due_local_date": step.due_local_date,
                    "updated_at": now,
                }
                for step in steps
            ],
        )

    async def set_backoff_levels(self, levels: Mapping[int, int]) -> None:
        """Record many people's back-off levels (patient id -> level) in one statement."""
        if not levels:
            return
        await self._session.execute(
            _SET_BACKOFF,
            [
                {"patient_id": patient_id, "backoff_level": level}
                for patient_id, level in levels.items()
            ],
        )
