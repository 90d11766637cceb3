"""The outbox: messages written with the change that caused them, delivered later.

Error texts stored here are for operators: callers pass exception classes and Telegram
error descriptions, never message text or answers.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Executable,
    Select,
    String,
    Update,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CHECK_IN_KEY, OutboxKind, OutboxMessage, OutboxStatus
from core.store import records
from core.store.repositories._common import (
    cipher_of,
    clip,
    columns,
    insert_for,
    table_of,
    upsert,
)
from core.store.sealed import seal_payload
from core.store.tables import CheckInRow, OutboxRow, PatientRow, UTCDateTime

_OUTBOX = table_of(OutboxRow)
# The columns `enqueue_check_ins` writes, in the order its SELECT gives them.
_QUEUED_COLUMNS = (
    "idempotency_key",
    "patient_id",
    "chat_id",
    "kind",
    "payload",
    "not_before_at",
    "created_at",
)


@cache
def _enqueue_check_ins(dialect: str) -> Executable:
    # Built once, on the tables (Core): the tick runs it for every batch of check-ins.
    check_ins, patients = table_of(CheckInRow), table_of(PatientRow)
    # The payload {"check_in_id": <id>}, made by the database (no portable construct).
    json_object = func.json_build_object if dialect == "postgresql" else func.json_object
    now = bindparam("now", type_=UTCDateTime())
    rows = (
        select(
            literal("checkin:") + cast(check_ins.c.id, String),
            check_ins.c.patient_id,
            patients.c.chat_id,
            literal(OutboxKind.CHECKIN.value),
            json_object(CHECK_IN_KEY, check_ins.c.id),
            now,
            now,
        )
        .join(patients, patients.c.id == check_ins.c.patient_id)
        .where(check_ins.c.id.in_(bindparam("check_in_ids", expanding=True)))
    )
    return (
        insert_for(dialect, _OUTBOX)
        .from_select(list(_QUEUED_COLUMNS), rows)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(_OUTBOX.c.id)
    )


# The dispatcher's statements, built once, on the table (Core): it runs them for every small
# group of messages it sends.
_MARK_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id == bindparam("message_id"))
    .values(
        status=OutboxStatus.SENT.value,
        sent_at=bindparam("sent_at"),
        telegram_message_id=bindparam("telegram_message_id"),
        last_error=None,
    )
)


@cache
def _due() -> Select[Any]:
    return (
        select(*_OUTBOX.c)
        .where(
            _OUTBOX.c.status == OutboxStatus.PENDING.value,
            _OUTBOX.c.not_before_at <= bindparam("now"),
        )
        .order_by(_OUTBOX.c.not_before_at, _OUTBOX.c.id)
        .limit(bindparam("limit"))
    )


@cache
def _start_sending() -> Update:
    return (
        update(_OUTBOX)
        .where(
            _OUTBOX.c.id.in_(bindparam("message_ids", expanding=True)),
            _OUTBOX.c.status == OutboxStatus.PENDING.value,
            _OUTBOX.c.not_before_at <= bindparam("now"),
        )
        .values(status=OutboxStatus.SENDING.value, attempts=_OUTBOX.c.attempts + 1)
        .returning(*_OUTBOX.c)
    )


@dataclass(frozen=True, slots=True)
class NewOutboxMessage:
    """A message to queue: due from when it is queued, unless `not_before_at` says later."""

    idempotency_key: str
    chat_id: int
    kind: str
    payload: Mapping[str, Any]
    patient_id: int | None = None
    not_before_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message Telegram accepted, for `OutboxRepository.mark_sent_many`."""

    message_id: int
    sent_at: datetime
    telegram_message_id: int | None


class OutboxRepository:
    """Queues, marks and settles outbox messages; never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue_many(self, messages: Sequence[NewOutboxMessage], now: datetime) -> set[str]:
        """Queue messages in one statement, skipping every idempotency key that exists.

        Returns the keys really queued: a key queued before (a double fire, a retried
        batch, a double tap) is left as it was and never sent twice.
        """
        if not messages:
            return set()
        # On the table (Core), not the mapped class: the ORM's bulk path would rebuild the
        # statement for every batch.
        insert = upsert(self._session, table_of(OutboxRow)).on_conflict_do_nothing(
            index_elements=["idempotency_key"]
        )
        cipher = cipher_of(self._session)
        rows = [
            {
                "idempotency_key": message.idempotency_key,
                "patient_id": message.patient_id,
                "chat_id": message.chat_id,
                "kind": message.kind,
                "payload": seal_payload(message.payload, cipher),
                "not_before_at": message.not_before_at or now,
                "created_at": now,
            }
            for message in messages
        ]
        # Rows as parameters: compiled once and cached (see `CheckInRepository.create_many`).
        result = await self._session.execute(insert.returning(OutboxRow.idempotency_key), rows)
        return set(result.scalars())

    async def enqueue_check_ins(self, check_in_ids: Collection[int], now: datetime) -> int:
        """Queue the message of each of these check-ins, in one INSERT ... SELECT; returns
        how many were queued (a check-in queued before is left as it was).

        Each names only its check-in (`CHECK_IN_KEY`): it is rendered just before it is
        sent. Its idempotency key is "checkin:<id>", its chat the person's.
        """
        if not check_in_ids:
            return 0
        insert = _enqueue_check_ins(self._session.get_bind().dialect.name)
        queued = await self._session.execute(
            insert, {"check_in_ids": sorted(check_in_ids), "now": now}
        )
        return len(queued.all())

    async def enqueue(self, message: NewOutboxMessage, now: datetime) -> bool:
        """Queue one message; False if its idempotency key was queued before."""
        return bool(await self.enqueue_many([message], now))

    async def get(self, message_id: int) -> OutboxMessage | None:
        """The message with this id, if any."""
        return await self._one(select(*columns(OutboxRow)).where(OutboxRow.id == message_id))

    async def get_by_key(self, idempotency_key: str) -> OutboxMessage | None:
        """The message with this idempotency key, if any."""
        return await self._one(
            select(*columns(OutboxRow)).where(OutboxRow.idempotency_key == idempotency_key)
        )

    async def due(self, *, now: datetime, limit: int) -> list[OutboxMessage]:
        """Pending messages whose time has come, oldest first."""
        return await self._many(_due(), {"now": now, "limit": limit})

    async def earliest_pending(self) -> datetime | None:
        """When the next queued message may go, if any is queued."""
        statement = select(func.min(OutboxRow.not_before_at)).where(
            OutboxRow.status == OutboxStatus.PENDING.value
        )
        return await self._session.scalar(statement)

    async def start_sending_many(
        self, message_ids: Sequence[int], *, now: datetime
    ) -> list[OutboxMessage]:
        """Mark these messages `sending` (attempts + 1) in one statement, just before they go.

        Only those still pending and due at `now` are marked and returned: a message given up
        or put back meanwhile (blocked person, quiet hours, a 429's wait) must not be sent.
        """
        if not message_ids:
            return []
        return await self._many(_start_sending(), {"message_ids": list(message_ids), "now": now})

    async def unclaim(self, message_ids: Sequence[int]) -> None:
        """Put `sending` messages that were never sent back in the queue, attempt given back."""
        if not message_ids:
            return
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(message_ids), OutboxRow.status == OutboxStatus.SENDING.value)
            .values(status=OutboxStatus.PENDING.value, attempts=_attempt_given_back())
        )

    async def mark_sent_many(self, sent: Sequence[SentMessage]) -> None:
        """Record many accepted messages in one statement (one UPDATE, many rows)."""
        if not sent:
            return
        await self._session.execute(
            _MARK_SENT,
            [
                {
                    "message_id": item.message_id,
                    "sent_at": item.sent_at,
                    "telegram_message_id": item.telegram_message_id,
                }
                for item in sent
            ],
        )

    async def mark_failed(self, message_id: int, *, error: str) -> None:
        """The message will never be delivered (e.g. the person blocked the bot)."""
        await self._update(message_id, status=OutboxStatus.FAILED.value, last_error=clip(error))

    async def mark_uncertain(self, message_id: int, *, error: str) -> None:
        """The send may or may not have arrived (a timeout after sending): never resent."""
        await self._update(message_id, status=OutboxStatus.UNCERTAIN.value, last_error=clip(error))

    async def retry_later(
        self, message_id: int, *, not_before_at: datetime, error: str, attempt_counts: bool
    ) -> None:
        """Back to the queue until `not_before_at`. A flood limit (429) or a wait that was
        never tried gives its attempt back (`attempt_counts=False`); a failed try keeps it."""
        values: dict[str, Any] = {
            "status": OutboxStatus.PENDING.value,
            "not_before_at": not_before_at,
            "last_error": clip(error),
        }
        if not attempt_counts:
            values["attempts"] = _attempt_given_back()
        await self._update(message_id, **values)

    async def postpone(self, message_id: int, *, not_before_at: datetime, error: str) -> None:
        """Leave a pending message queued until `not_before_at` (e.g. quiet hours)."""
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id == message_id, OutboxRow.status == OutboxStatus.PENDING.value)
            .values(not_before_at=not_before_at, last_error=clip(error))
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

    async def _update(self, message_id: int, **values: Any) -> None:
        await self._session.execute(
            update(OutboxRow).where(OutboxRow.id == message_id).values(**values)
        )

    async def _one(self, statement: Any) -> OutboxMessage | None:
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else records.outbox_message(row, cipher_of(self._session))

    async def _many(
        self, statement: Any, parameters: dict[str, Any] | None = None
    ) -> list[OutboxMessage]:
        rows = await self._session.execute(statement, parameters)
        cipher = cipher_of(self._session)
        return [records.outbox_message(row, cipher) for row in rows.mappings()]


def _attempt_given_back() -> Any:
    """The attempts column less the attempt that was never really made (not below 0)."""
    return case((OutboxRow.attempts > 0, OutboxRow.attempts - 1), else_=0)
