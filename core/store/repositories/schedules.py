"""Schedules, nudges and the delivery bookkeeping the tick and the dispatcher need.

The tick claims due rows with `FOR UPDATE SKIP LOCKED` (PostgreSQL), so several processes share
the work without taking the same row; SQLite ignores the clause, and its single writer
(`BEGIN IMMEDIATE`, see `core.store.engine`) serialises whole transactions instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import Row, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import (
    CheckIn,
    CheckInStatus,
    OutboxMessage,
    OutboxStatus,
    Patient,
    PatientStatus,
    Schedule,
    ScheduleKind,
)
from core.store.repositories._common import as_dict, clip, columns, update_each, upsert
from core.store.tables import AnswerRow, CheckInRow, OutboxRow, PatientRow, ScheduleRow

# Stored value -> enum member: a dict lookup costs a fraction of calling the enum.
_SCHEDULE_KINDS: Final = {kind.value: kind for kind in ScheduleKind}
_PATIENT_STATUSES: Final = {status.value: status for status in PatientStatus}


def _schedule(row: Row[Any]) -> Schedule:
    data = as_dict(row)
    data["kind"] = ScheduleKind(data["kind"])
    return Schedule(**data)


def _patient(row: Row[Any]) -> Patient:
    data = as_dict(row)
    data["status"] = PatientStatus(data["status"])
    return Patient(**data)


def _outbox_message(row: Row[Any]) -> OutboxMessage:
    data = as_dict(row)
    data["status"] = OutboxStatus(data["status"])
    return OutboxMessage(**data)


def _check_in(row: Row[Any]) -> CheckIn:
    data = as_dict(row)
    data["status"] = CheckInStatus(data["status"])
    data["items"] = tuple(data["items"])
    return CheckIn(**data)


async def _patients_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, Patient]:
    if not ids:
        return {}
    statement = select(*columns(PatientRow)).where(PatientRow.id.in_(sorted(set(ids))))
    return {row.id: _patient(row) for row in await session.execute(statement)}


@dataclass(frozen=True, slots=True)
class DueSchedule:
    """A claimed schedule row and its patient."""

    schedule: Schedule
    patient: Patient


@dataclass(frozen=True, slots=True)
class DueNudge:
    """A check-in whose nudge is due, and its patient."""

    check_in: CheckIn
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
        row = (await self._session.execute(statement)).first()
        return None if row is None else _schedule(row)

    async def for_patient(self, patient_id: int) -> list[Schedule]:
        """All of the person's schedule rows, by kind."""
        statement = (
            select(*columns(ScheduleRow))
            .where(ScheduleRow.patient_id == patient_id)
            .order_by(ScheduleRow.kind)
        )
        return [_schedule(row) for row in await self._session.execute(statement)]

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
                "claimed_by": None,
                "claimed_until_at": None,
                "updated_at": insert.excluded.updated_at,
            },
        ).returning(*columns(ScheduleRow))
        return _schedule((await self._session.execute(statement)).one())

    async def advance(
        self,
        schedule_id: int,
        *,
        next_due_at: datetime | None,
        due_local_date: date | None,
        now: datetime,
    ) -> None:
        """Move a claimed row on to its next occurrence (None: nothing more is scheduled)."""
        await self._session.execute(
            update(ScheduleRow)
            .where(ScheduleRow.id == schedule_id)
            .values(
                next_due_at=next_due_at,
                due_local_date=due_local_date,
                claimed_by=None,
                claimed_until_at=None,
                updated_at=now,
            )
        )

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
        schedule_columns, patient_columns = columns(ScheduleRow), columns(PatientRow)
        # One statement for the rows and their people; only the schedule rows are locked
        # (`FOR UPDATE OF`), as before, when the people were read separately.
        statement = (
            select(*schedule_columns, *patient_columns)
            .join(PatientRow, PatientRow.id == ScheduleRow.patient_id)
            .where(ScheduleRow.next_due_at <= now)
            .order_by(ScheduleRow.next_due_at, ScheduleRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True, of=ScheduleRow)
        )
        schedule_keys = ScheduleRow.__table__.c.keys()
        patient_keys = PatientRow.__table__.c.keys()
        split = len(schedule_keys)
        kinds, statuses = _SCHEDULE_KINDS, _PATIENT_STATUSES
        claimed: list[DueSchedule] = []
        # On the session's connection (Core): the rows are plain columns, and the ORM's
        # per-row result handling would only cost time.
        connection = await self._session.connection()
        for row in await connection.execute(statement):
            schedule = dict(zip(schedule_keys, row[:split], strict=True))
            schedule["kind"] = kinds[schedule["kind"]]
            patient = dict(zip(patient_keys, row[split:], strict=True))
            patient["status"] = statuses[patient["status"]]
            claimed.append(DueSchedule(Schedule(**schedule), Patient(**patient)))
        return claimed

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
        return [_patient(row) for row in await self._session.execute(statement)]

    async def has_check_in(self, patient_id: int, local_date: date, slots: Sequence[str]) -> bool:
        """Whether the person has a check-in of one of `slots` on `local_date`."""
        statement = select(
            exists().where(
                CheckInRow.patient_id == patient_id,
                CheckInRow.local_date == local_date,
                CheckInRow.slot.in_(list(slots)),
            )
        )
        return bool(await self._session.scalar(statement))

    async def advance_many(self, steps: Sequence[ScheduleStep], now: datetime) -> None:
        """Move many claimed rows on at once (one executemany UPDATE), as `advance` does."""
        await update_each(
            self._session,
            ScheduleRow,
            [
                {
                    "id": step.schedule_id,
                    "next_due_at": step.next_due_at,
                    "due_local_date": step.due_local_date,
                }
                for step in steps
            ],
            claimed_by=None,
            claimed_until_at=None,
            updated_at=now,
        )

    async def set_backoff_levels(self, levels: Mapping[int, int]) -> None:
        """Record many people's back-off levels (patient id -> level) in one statement."""
        await update_each(
            self._session,
            PatientRow,
            [
                {"id": patient_id, "backoff_level": level}
                for patient_id, level in sorted(levels.items())
            ],
        )


class DeliveryRepository:
    """Nudge state on check-ins and the outbox bookkeeping of the dispatcher; never commits.

    Error texts stored here are exception class names and Telegram descriptions, never
    message text or answers.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # --- nudges --------------------------------------------------------------------------

    async def set_nudge(
        self,
        check_in_id: int,
        *,
        nudge_due_at: datetime | None,
        nudges_sent: int | None = None,
        nudge_reply: str | None = None,
    ) -> None:
        """Set (or clear) when the check-in's next nudge is due; optionally count and reply."""
        values: dict[str, Any] = {"nudge_due_at": nudge_due_at}
        if nudges_sent is not None:
            values["nudges_sent"] = nudges_sent
        if nudge_reply is not None:
            values["nudge_reply"] = nudge_reply
        await self._session.execute(
            update(CheckInRow).where(CheckInRow.id == check_in_id).values(**values)
        )

    async def claim_due_nudges(self, *, now: datetime, limit: int) -> list[DueNudge]:
        """Up to `limit` check-ins whose nudge is due, locked until commit (skip locked)."""
        statement = (
            select(*columns(CheckInRow))
            .where(CheckInRow.nudge_due_at <= now)
            .order_by(CheckInRow.nudge_due_at, CheckInRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        check_ins = [_check_in(row) for row in await self._session.execute(statement)]
        patients = await _patients_by_id(self._session, [c.patient_id for c in check_ins])
        return [DueNudge(c, patients[c.patient_id]) for c in check_ins]

    async def earliest_nudge(self) -> datetime | None:
        """When the next nudge falls due, if any."""
        return await self._session.scalar(select(func.min(CheckInRow.nudge_due_at)))

    async def has_answers(self, check_in_id: int) -> bool:
        """Whether any item of the check-in was answered (or skipped)."""
        statement = select(exists().where(AnswerRow.check_in_id == check_in_id))
        return bool(await self._session.scalar(statement))

    async def cancel_nudges(self, patient_id: int) -> None:
        """No more nudges for any of the person's check-ins (e.g. after a crisis message)."""
        await self._session.execute(
            update(CheckInRow)
            .where(CheckInRow.patient_id == patient_id, CheckInRow.nudge_due_at.is_not(None))
            .values(nudge_due_at=None)
        )

    # --- outbox --------------------------------------------------------------------------

    async def postpone(self, message_id: int, *, not_before_at: datetime, error: str) -> None:
        """Leave a pending message queued until `not_before_at` (its chat is on hold)."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id, OutboxRow.status == OutboxStatus.PENDING.value)
            .values(not_before_at=not_before_at, last_error=clip(error))
        )

    async def release_after_flood(
        self, message_id: int, *, not_before_at: datetime, error: str
    ) -> None:
        """Back to the queue after a 429, giving back the attempt: floods never use it up."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id)
            .values(
                status=OutboxStatus.PENDING.value,
                not_before_at=not_before_at,
                attempts=case((OutboxRow.attempts > 0, OutboxRow.attempts - 1), else_=0),
                last_error=clip(error),
            )
        )

    async def recover_sending(self, *, error: str) -> int:
        """Mark messages left `sending` by a dispatcher that died as `uncertain`.

        Only the one dispatcher that holds the dispatch lock calls this, so every `sending`
        row belongs to a process that is gone; it may have sent them, so none is resent.
        """
        result = await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.status == OutboxStatus.SENDING.value)
            .values(status=OutboxStatus.UNCERTAIN.value, last_error=clip(error))
            .returning(OutboxRow.id)
        )
        return len(result.all())

    async def fail_pending_for_patient(self, patient_id: int, *, error: str) -> int:
        """Give up every queued message for the person (they blocked the bot)."""
        result = await self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.patient_id == patient_id,
                OutboxRow.status == OutboxStatus.PENDING.value,
            )
            .values(status=OutboxStatus.FAILED.value, last_error=clip(error))
            .returning(OutboxRow.id)
        )
        return len(result.all())

    async def earliest_pending(self) -> datetime | None:
        """When the next queued message may go, if any is queued."""
        statement = select(func.min(OutboxRow.not_before_at)).where(
            OutboxRow.status == OutboxStatus.PENDING.value
        )
        return await self._session.scalar(statement)

    async def recent_library_ids(self, patient_id: int, kind: str, limit: int = 10) -> list[str]:
        """Library ids of the person's latest messages of `kind`, oldest first (for rotation)."""
        statement = (
            select(OutboxRow.payload)
            .where(OutboxRow.patient_id == patient_id, OutboxRow.kind == kind)
            .order_by(OutboxRow.id.desc())
            .limit(limit)
        )
        payloads = (await self._session.scalars(statement)).all()
        ids = [str(p["library_id"]) for p in payloads if isinstance(p, dict) and "library_id" in p]
        return list(reversed(ids))

    # --- counts for reports --------------------------------------------------------------

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
