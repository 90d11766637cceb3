"""Check-ins and their answers."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable, Select, bindparam, case, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Answer, CheckIn, CheckInStatus, Consent
from core.store import records
from core.store.repositories._common import cipher_of, columns, insert_for, table_of
from core.store.tables import AnswerRow, CheckInRow, ConsentRow, UTCDateTime

if TYPE_CHECKING:
    from core.store.repositories._common import Upsert

# Values an answer can hold: every N1 scale (markers 1 to 5, activities 0 to 10).
MIN_VALUE, MAX_VALUE = 0, 10
_CHECK_IN_KEYS = tuple(column.name for column in table_of(CheckInRow).c)
_CONSENT_KEYS = tuple(column.name for column in table_of(ConsentRow).c)


@dataclass(frozen=True, slots=True)
class Answering:
    """A check-in as a tap on it needs it: its answers so far (item -> value, None:
    skipped) and its owner's latest consent decision (None: they never made one)."""

    check_in: CheckIn
    answers: dict[str, int | None]
    consent: Consent | None


def _part(row: Any, keys: Sequence[str], start: int) -> dict[str, Any]:
    """The columns `keys` of a joined row, from position `start`."""
    return dict(zip(keys, row[start : start + len(keys)], strict=True))


# The statements of a check-in tap, built once (building one, and its cache key, costs
# more than running it). On the tables (Core), with bound parameters.


@cache
def _for_answering() -> Select[Any]:
    check_ins, answers = table_of(CheckInRow), table_of(AnswerRow)
    consents, consent = table_of(ConsentRow), table_of(ConsentRow).alias("consent")
    latest = (
        select(consents.c.id)
        .where(
            consents.c.patient_id == check_ins.c.patient_id,
            consents.c.kind == bindparam("consent_kind"),
        )
        .order_by(consents.c.decided_at.desc(), consents.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(*check_ins.c, answers.c.item, answers.c.value, *consent.c)
        .select_from(
            check_ins.outerjoin(answers, answers.c.check_in_id == check_ins.c.id).outerjoin(
                consent, consent.c.id == latest
            )
        )
        .where(check_ins.c.id == bindparam("check_in_id"))
        .order_by(answers.c.id)
    )


@cache
def _answer_upsert(dialect: str) -> Upsert:
    answers = table_of(AnswerRow)
    now = bindparam("now", type_=UTCDateTime())
    insert = insert_for(dialect, answers).values(
        check_in_id=bindparam("check_in_id"),
        patient_id=bindparam("patient_id"),
        item=bindparam("item"),
        value=bindparam("value"),
        answered_at=now,
    )
    changed = answers.c.value.is_distinct_from(insert.excluded.value)
    return insert.on_conflict_do_update(
        index_elements=["check_in_id", "item"],
        set_={
            "value": insert.excluded.value,
            "changed_at": case((changed, now), else_=answers.c.changed_at),
        },
    )


@cache
def _create_many(dialect: str) -> Executable:
    check_ins = table_of(CheckInRow)
    # Only the keys and ids come back; the rest of each row is what was written.
    return (
        insert_for(dialect, check_ins)
        .on_conflict_do_nothing(index_elements=["patient_id", "local_date", "slot"])
        .returning(
            check_ins.c.id, check_ins.c.patient_id, check_ins.c.local_date, check_ins.c.slot
        )
    )


@cache
def _on_dates(with_slots: bool) -> Select[Any]:
    check_ins = table_of(CheckInRow)
    statement = select(*check_ins.c).where(
        check_ins.c.patient_id.in_(bindparam("patient_ids", expanding=True)),
        check_ins.c.local_date.in_(bindparam("local_dates", expanding=True)),
    )
    if with_slots:
        statement = statement.where(check_ins.c.slot.in_(bindparam("slots", expanding=True)))
    return statement


@cache
def _many() -> Select[Any]:
    check_ins = table_of(CheckInRow)
    return select(*check_ins.c).where(check_ins.c.id.in_(bindparam("ids", expanding=True)))


@cache
def _answers_of() -> Select[Any]:
    answers = table_of(AnswerRow)
    return (
        select(*answers.c)
        .where(answers.c.check_in_id.in_(bindparam("check_in_ids", expanding=True)))
        .order_by(answers.c.id)
    )


# Check-ins marked sent, many rows to one statement (the dispatcher, a group at a time).
_MARK_SENT = (
    update(table_of(CheckInRow))
    .where(table_of(CheckInRow).c.id == bindparam("check_in_id"))
    .values(sent_at=bindparam("sent_at"), telegram_message_id=bindparam("telegram_message_id"))
)


@dataclass(frozen=True, slots=True)
class NewCheckIn:
    """A check-in to create with `CheckInRepository.create_many`."""

    patient_id: int
    local_date: date
    slot: str
    items: Sequence[str]
    closes_at: datetime
    status: CheckInStatus = CheckInStatus.OPEN


@dataclass(frozen=True, slots=True)
class SentCheckIn:
    """A check-in message Telegram accepted, for `CheckInRepository.mark_sent_many`."""

    check_in_id: int
    sent_at: datetime
    telegram_message_id: int | None


class CheckInRepository:
    """Reads and writes check-ins and answers; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create_many(self, new: Sequence[NewCheckIn], now: datetime) -> list[CheckIn]:
        """Create check-ins, leaving alone every (patient, local date, slot) that exists.

        Returns only the check-ins this call created, in no particular order: a key that
        existed (a double fire of the tick, another process meanwhile) is left as it was,
        and the caller reads it with `on_dates`. One statement for the batch.
        """
        if not new:
            return []
        wanted = {(item.patient_id, item.local_date, item.slot): item for item in new}
        # Rows as parameters (SQLAlchemy sends them in pages, "insertmanyvalues") to one
        # statement built once: compiled once and cached, whatever the batch's size.
        insert = _create_many(self._session.get_bind().dialect.name)
        rows = [
            {
                "patient_id": item.patient_id,
                "local_date": item.local_date,
                "slot": item.slot,
                "items": list(item.items),
                "status": item.status.value,
                "closes_at": item.closes_at,
                "created_at": now,
            }
            for item in wanted.values()
        ]
        created: list[CheckIn] = []
        for check_in_id, patient_id, local_date, slot in await self._session.execute(insert, rows):
            item = wanted[(patient_id, local_date, slot)]
            created.append(
                CheckIn(
                    id=check_in_id,
                    patient_id=patient_id,
                    local_date=local_date,
                    slot=slot,
                    items=tuple(item.items),
                    status=item.status,
                    sent_at=None,
                    closes_at=item.closes_at.astimezone(UTC),
                    telegram_message_id=None,
                    note=None,
                    created_at=now.astimezone(UTC),
                )
            )
        return created

    async def get(self, check_in_id: int) -> CheckIn | None:
        """The check-in with this id, if any."""
        found = await self.many([check_in_id])
        return found.get(check_in_id)

    async def many(self, check_in_ids: Collection[int]) -> dict[int, CheckIn]:
        """The check-ins with these ids (missing ids are left out)."""
        if not check_in_ids:
            return {}
        rows = await self._session.execute(_many(), {"ids": sorted(check_in_ids)})
        cipher = cipher_of(self._session)
        return {c.id: c for c in (records.check_in(row, cipher) for row in rows.mappings())}

    async def on_dates(
        self, keys: Collection[tuple[int, date]], slots: Collection[str] | None = None
    ) -> list[CheckIn]:
        """Every check-in (of `slots`, if given) of these (patient, local date) pairs."""
        wanted = set(keys)
        if not wanted:
            return []
        parameters: dict[str, list[Any]] = {
            "patient_ids": sorted({patient for patient, _ in wanted}),
            "local_dates": sorted({day for _, day in wanted}),
        }
        if slots is not None:
            parameters["slots"] = sorted(slots)
        rows = await self._session.execute(_on_dates(slots is not None), parameters)
        # The two IN lists also match pairs nobody asked about (A's id with B's date).
        cipher = cipher_of(self._session)
        found = (records.check_in(row, cipher) for row in rows.mappings())
        return [c for c in found if (c.patient_id, c.local_date) in wanted]

    async def mark_sent_many(self, sent: Sequence[SentCheckIn]) -> None:
        """Record that these check-in messages went out, and the message that shows each
        (taps are checked against it); one statement."""
        if not sent:
            return
        await self._session.execute(
            _MARK_SENT,
            [
                {
                    "check_in_id": item.check_in_id,
                    "sent_at": item.sent_at,
                    "telegram_message_id": item.telegram_message_id,
                }
                for item in sent
            ],
        )

    async def close_all(self, patient_id: int) -> None:
        """Close every open check-in of the person and clear every nudge planned on their
        check-ins (consent withdrawn: nothing more is asked or taken), in one statement."""
        open_now = CheckInRow.status == CheckInStatus.OPEN.value
        await self._session.execute(
            update(CheckInRow)
            .where(CheckInRow.patient_id == patient_id)
            .values(
                status=case((open_now, CheckInStatus.CLOSED.value), else_=CheckInRow.status),
                nudge_due_at=None,
            )
        )

    async def set_note(self, check_in_id: int, note: str | None) -> CheckIn | None:
        """Attach (or clear) the person's free-text note (kept encrypted)."""
        return await self._update(
            check_in_id, note=cipher_of(self._session).encrypt_optional(note)
        )

    async def record_answer(
        self, check_in: CheckIn, *, item: str, value: int | None, now: datetime
    ) -> None:
        """Store the answer to `item` (value None = skipped); a later tap replaces it.

        One statement (INSERT ... ON CONFLICT DO UPDATE), so two taps racing each other
        still leave one row, holding the value of whichever came last. `changed_at` is set
        only when the value really changes: a repeated identical tap is not a change.
        """
        if value is not None and not MIN_VALUE <= value <= MAX_VALUE:
            raise ValueError(f"answers are {MIN_VALUE} to {MAX_VALUE} (or skipped), got {value}")
        await self._session.execute(
            _answer_upsert(self._session.get_bind().dialect.name),
            {
                "check_in_id": check_in.id,
                "patient_id": check_in.patient_id,
                "item": item,
                "value": value,
                "now": now,
            },
        )

    async def for_answering(self, check_in_id: int, consent_kind: str) -> Answering | None:
        """The check-in, its answers so far and its owner's latest consent of `consent_kind`,
        in one query (what a tap on it needs); None if there is no such check-in."""
        parameters = {"check_in_id": check_in_id, "consent_kind": consent_kind}
        rows = (await self._session.execute(_for_answering(), parameters)).all()
        if not rows:
            return None
        first = rows[0]
        check_in = records.check_in(_part(first, _CHECK_IN_KEYS, 0), cipher_of(self._session))
        answers_at = len(_CHECK_IN_KEYS)
        consent_at = answers_at + 2
        consent = (
            records.consent(_part(first, _CONSENT_KEYS, consent_at))
            if first[consent_at] is not None
            else None
        )
        answers = {row[answers_at]: row[answers_at + 1] for row in rows if row[answers_at]}
        return Answering(check_in, answers, consent)

    async def has_answers(self, check_in_id: int) -> bool:
        """Whether any item of the check-in was answered (or skipped)."""
        statement = select(exists().where(AnswerRow.check_in_id == check_in_id))
        return bool(await self._session.scalar(statement))

    async def answers(self, check_in_id: int) -> list[Answer]:
        """All answers of a check-in, in the order first given."""
        found = await self.answers_of([check_in_id])
        return found[check_in_id]

    async def answers_of(self, check_in_ids: Collection[int]) -> dict[int, list[Answer]]:
        """check-in id -> its answers in the order first given ([] if none)."""
        found: dict[int, list[Answer]] = {check_in_id: [] for check_in_id in check_in_ids}
        if not found:
            return found
        rows = await self._session.execute(_answers_of(), {"check_in_ids": sorted(found)})
        for row in rows.mappings():
            answer = records.answer(row)
            found[answer.check_in_id].append(answer)
        return found

    async def _update(self, check_in_id: int, **values: Any) -> CheckIn | None:
        statement = (
            update(CheckInRow)
            .where(CheckInRow.id == check_in_id)
            .values(**values)
            .returning(*columns(CheckInRow))
        )
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else records.check_in(row, cipher_of(self._session))
