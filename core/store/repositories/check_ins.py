"""Check-ins and their answers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Answer, CheckIn, CheckInStatus
from core.store.repositories import answer_digests
from core.store.repositories._common import (
    as_dict,
    columns,
    dialect_of,
    driver_form,
    insert_new,
    memoised,
    upsert,
)
from core.store.repositories.check_in_taps import answer_upsert
from core.store.tables import AnswerRow, CheckInRow

# The columns `create_many` writes, in the order of its rows.
_NEW_CHECK_IN_COLUMNS = (
    "patient_id",
    "local_date",
    "slot",
    "items",
    "status",
    "closes_at",
    "created_at",
)


@cache
def _on_dates_statement() -> Select[Any]:
    """`on_dates`'s query, built once: the tick runs it for every batch, and building an IN
    list of a few hundred values costs more than the database spends on it."""
    return select(*columns(CheckInRow)).where(
        CheckInRow.patient_id.in_(bindparam("patient_ids", expanding=True)),
        CheckInRow.local_date.in_(bindparam("dates", expanding=True)),
    )


def _check_in(row: Row[Any]) -> CheckIn:
    data = as_dict(row)
    data["status"] = CheckInStatus(data["status"])
    data["items"] = tuple(data["items"])
    return CheckIn(**data)


def _answer(row: Row[Any]) -> Answer:
    return Answer(**as_dict(row))


class CheckInRepository:
    """Reads and writes check-ins and answers; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        *,
        patient_id: int,
        local_date: date,
        slot: str,
        items: Sequence[str],
        closes_at: datetime,
        now: datetime,
        status: CheckInStatus = CheckInStatus.OPEN,
    ) -> tuple[CheckIn, bool]:
        """Create the check-in for (patient, local date, slot), unless it exists.

        Returns (check_in, created). A second call for the same key (a double fire of the
        tick, a restart mid-batch) returns the existing check-in, unchanged.
        """
        statement = (
            upsert(self._session, CheckInRow)
            .values(
                patient_id=patient_id,
                local_date=local_date,
                slot=slot,
                items=list(items),
                status=status.value,
                closes_at=closes_at,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["patient_id", "local_date", "slot"])
            .returning(*columns(CheckInRow))
        )
        row = (await self._session.execute(statement)).first()
        if row is not None:
            return _check_in(row), True
        existing = await self.get_by_key(patient_id, local_date, slot)
        if existing is None:  # pragma: no cover - the conflicting row cannot vanish mid-statement
            raise RuntimeError("check-in insert conflicted but no check-in was found")
        return existing, False

    async def get(self, check_in_id: int) -> CheckIn | None:
        """The check-in with this id, if any."""
        statement = select(*columns(CheckInRow)).where(CheckInRow.id == check_in_id)
        row = (await self._session.execute(statement)).first()
        return None if row is None else _check_in(row)

    async def get_by_key(self, patient_id: int, local_date: date, slot: str) -> CheckIn | None:
        """The check-in for (patient, local date, slot), if any."""
        statement = select(*columns(CheckInRow)).where(
            CheckInRow.patient_id == patient_id,
            CheckInRow.local_date == local_date,
            CheckInRow.slot == slot,
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _check_in(row)

    async def mark_sent(
        self, check_in_id: int, *, sent_at: datetime, telegram_message_id: int | None
    ) -> CheckIn | None:
        """Record that the check-in message went out (and its id, to edit it in place)."""
        return await self._update(
            check_in_id, sent_at=sent_at, telegram_message_id=telegram_message_id
        )

    async def set_status(self, check_in_id: int, status: CheckInStatus) -> CheckIn | None:
        """Open, close, or mark a check-in as missed during downtime."""
        return await self._update(check_in_id, status=status.value)

    async def set_note(self, check_in_id: int, note: str | None) -> CheckIn | None:
        """Attach (or clear) the person's free-text note."""
        return await self._update(check_in_id, note=note)

    async def record_answer(
        self, check_in: CheckIn, *, item: str, value: int | None, now: datetime
    ) -> Answer:
        """Store the answer to `item` (value None = skipped); a later tap replaces it.

        One statement (INSERT ... ON CONFLICT DO UPDATE), so two taps racing each other
        still leave one row, holding the value of whichever came last. `changed_at` is set
        only when the value really changes: a repeated identical tap is not a change.
        The person's answer digest is recomputed in the same transaction (one more
        statement; on PostgreSQL one more before, to take their row lock first).
        """
        answer_digests.check_value(value)
        await answer_digests.lock_person(self._session, check_in.patient_id)
        statement = answer_upsert(dialect_of(self._session).name).returning(*columns(AnswerRow))
        parameters = {
            "check_in_id": check_in.id,
            "patient_id": check_in.patient_id,
            "item": item,
            "value": value,
            "now": now,
        }
        row = (await self._session.execute(statement, parameters)).one()
        await answer_digests.refresh_for_answer(
            self._session, check_in.patient_id, check_in.local_date
        )
        return _answer(row)

    async def answers(self, check_in_id: int) -> list[Answer]:
        """All answers of a check-in, in the order first given."""
        statement = (
            select(*columns(AnswerRow))
            .where(AnswerRow.check_in_id == check_in_id)
            .order_by(AnswerRow.id)
        )
        return [_answer(row) for row in await self._session.execute(statement)]

    async def _update(self, check_in_id: int, **values: Any) -> CheckIn | None:
        statement = (
            update(CheckInRow)
            .where(CheckInRow.id == check_in_id)
            .values(**values)
            .returning(*columns(CheckInRow))
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _check_in(row)

    # --- many at once (the tick fires a batch in a fixed number of statements) ------------

    async def on_dates(
        self, patient_ids: Collection[int], local_dates: Collection[date]
    ) -> list[CheckIn]:
        """Every check-in, of any slot, of these people on these local dates (one query).

        It may hold pairs nobody asked about (person A on person B's date): callers pick the
        (patient, local date, slot) keys they need.
        """
        if not patient_ids or not local_dates:
            return []
        parameters = {"patient_ids": sorted(set(patient_ids)), "dates": sorted(set(local_dates))}
        rows = await self._session.execute(_on_dates_statement(), parameters)
        return [_check_in(row) for row in rows]

    async def many(self, check_in_ids: Collection[int]) -> dict[int, CheckIn]:
        """The check-ins with these ids, in one query (missing ids are left out)."""
        if not check_in_ids:
            return {}
        statement = select(*columns(CheckInRow)).where(CheckInRow.id.in_(sorted(check_in_ids)))
        return {
            check_in.id: check_in
            for check_in in (_check_in(row) for row in await self._session.execute(statement))
        }

    async def create_many(self, new: Sequence[NewCheckIn], now: datetime) -> list[CheckIn]:
        """Create check-ins in one statement, leaving alone every key that already exists.

        Returns only the check-ins this call created (in no particular order): a key that
        conflicted (it existed, or another process created it meanwhile) is not returned,
        and the caller reads it with `on_dates`.
        """
        if not new:
            return []
        # Values go to the driver already in its form, converted once per distinct value
        # (`now`, the day, a closing time or item list many people share): SQLAlchemy's
        # per-row processing of an executemany costs more than the database's work.
        # Only keys and ids come back; the rest of each row is what was written.
        dialect = dialect_of(self._session)
        table = CheckInRow.__table__.c
        day = memoised(driver_form(dialect, table.local_date))
        closing = memoised(driver_form(dialect, table.closes_at))
        as_json = driver_form(dialect, table["items"])
        created_at = driver_form(dialect, table.created_at)(now)
        listed: dict[tuple[str, ...], tuple[tuple[str, ...], Any]] = {}
        wanted: dict[tuple[int, Any, str], tuple[NewCheckIn, tuple[str, ...]]] = {}
        rows: list[tuple[Any, ...]] = []
        for item in new:
            asked = tuple(item.items)
            stored = listed.get(asked)
            if stored is None:
                written = [str(entry) for entry in asked]
                stored = listed[asked] = (tuple(written), as_json(written))
            local_date = day(item.local_date)
            wanted[(item.patient_id, local_date, item.slot)] = (item, stored[0])
            rows.append(
                (
                    item.patient_id,
                    local_date,
                    item.slot,
                    stored[1],
                    item.status.value,
                    closing(item.closes_at),
                    created_at,
                )
            )
        inserted = await insert_new(
            self._session,
            CheckInRow,
            _NEW_CHECK_IN_COLUMNS,
            rows,
            unique=("patient_id", "local_date", "slot"),
            returning=("id", "patient_id", "local_date", "slot"),
        )
        created: list[CheckIn] = []
        for check_in_id, patient_id, local_date, slot in inserted:
            item, items = wanted[(patient_id, local_date, slot)]
            created.append(
                CheckIn(
                    id=check_in_id,
                    patient_id=patient_id,
                    local_date=item.local_date,
                    slot=slot,
                    items=items,
                    status=item.status,
                    sent_at=None,
                    closes_at=item.closes_at.astimezone(UTC),
                    telegram_message_id=None,
                    note=None,
                    created_at=now.astimezone(UTC),
                )
            )
        return created

    async def answers_of(self, check_in_ids: Collection[int]) -> dict[int, list[Answer]]:
        """check-in id -> its answers in the order first given (one query; [] if none)."""
        found: dict[int, list[Answer]] = {check_in_id: [] for check_in_id in check_in_ids}
        if not found:
            return found
        statement = (
            select(*columns(AnswerRow))
            .where(AnswerRow.check_in_id.in_(sorted(found)))
            .order_by(AnswerRow.id)
        )
        for row in await self._session.execute(statement):
            answer = _answer(row)
            found[answer.check_in_id].append(answer)
        return found


@dataclass(frozen=True, slots=True)
class NewCheckIn:
    """A check-in to create with `CheckInRepository.create_many`."""

    patient_id: int
    local_date: date
    slot: str
    items: Sequence[str]
    closes_at: datetime
    status: CheckInStatus = CheckInStatus.OPEN
