"""The outbox: messages written with the change that caused them, delivered later."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import OutboxMessage, OutboxStatus
from core.store.repositories._common import (
    as_dict,
    clip,
    columns,
    dialect_of,
    driver_form,
    insert_new,
    update_each,
    upsert,
)
from core.store.tables import OutboxRow

# The columns `enqueue_many` writes, in the order of its rows.
_NEW_MESSAGE_COLUMNS = (
    "idempotency_key",
    "patient_id",
    "chat_id",
    "kind",
    "payload",
    "not_before_at",
    "created_at",
)


def _message(row: Row[Any]) -> OutboxMessage:
    data = as_dict(row)
    data["status"] = OutboxStatus(data["status"])
    return OutboxMessage(**data)


class OutboxRepository:
    """Enqueues, claims and settles outbox messages; never commits.

    Error texts stored here are for operators: callers pass exception classes and Telegram
    error descriptions, never message text or answers.
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(
        self,
        *,
        idempotency_key: str,
        chat_id: int,
        kind: str,
        payload: Mapping[str, Any],
        now: datetime,
        not_before_at: datetime | None = None,
        patient_id: int | None = None,
    ) -> tuple[OutboxMessage, bool]:
        """Add a message unless one with `idempotency_key` exists.

        Returns (message, created): enqueueing the same key twice (a retried use-case, a
        double tap) yields the first message, unchanged, and never a second send.
        """
        statement = (
            upsert(self._session, OutboxRow)
            .values(
                idempotency_key=idempotency_key,
                patient_id=patient_id,
                chat_id=chat_id,
                kind=kind,
                payload=dict(payload),
                not_before_at=now if not_before_at is None else not_before_at,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(*columns(OutboxRow))
        )
        row = (await self._session.execute(statement)).first()
        if row is not None:
            return _message(row), True
        existing = await self.get_by_key(idempotency_key)
        if existing is None:  # pragma: no cover - the conflicting row cannot vanish mid-statement
            raise RuntimeError("outbox insert conflicted but no message was found")
        return existing, False

    async def get(self, message_id: int) -> OutboxMessage | None:
        """The message with this id, if any."""
        statement = select(*columns(OutboxRow)).where(OutboxRow.id == message_id)
        row = (await self._session.execute(statement)).first()
        return None if row is None else _message(row)

    async def get_by_key(self, idempotency_key: str) -> OutboxMessage | None:
        """The message with this idempotency key, if any."""
        statement = select(*columns(OutboxRow)).where(OutboxRow.idempotency_key == idempotency_key)
        row = (await self._session.execute(statement)).first()
        return None if row is None else _message(row)

    async def due(self, *, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Pending messages whose time has come, oldest first.

        On PostgreSQL the rows stay locked until the transaction ends and rows locked by
        another process are skipped (FOR UPDATE SKIP LOCKED), so several dispatchers never
        take the same message; SQLite has one writer at a time and ignores the clause.
        """
        statement = (
            select(*columns(OutboxRow))
            .where(OutboxRow.status == OutboxStatus.PENDING.value, OutboxRow.not_before_at <= now)
            .order_by(OutboxRow.not_before_at, OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_message(row) for row in await self._session.execute(statement)]

    async def claim_due(self, *, now: datetime, limit: int = 100) -> list[OutboxMessage]:
        """Take up to `limit` due messages for sending: status `sending`, attempts + 1."""
        ids = [message.id for message in await self.due(now=now, limit=limit)]
        if not ids:
            return []
        statement = (
            update(OutboxRow)
            .where(OutboxRow.id.in_(ids))
            .values(status=OutboxStatus.SENDING.value, attempts=OutboxRow.attempts + 1)
            .returning(*columns(OutboxRow))
        )
        claimed = [_message(row) for row in await self._session.execute(statement)]
        return sorted(claimed, key=lambda message: (message.not_before_at, message.id))

    async def start_sending_many(
        self, message_ids: Sequence[int], *, now: datetime
    ) -> list[OutboxMessage]:
        """Mark these messages `sending` (attempts + 1) in one statement, just before they go.

        Only those still pending and due at `now` are marked and returned: a message given up
        or put back meanwhile (blocked person, quiet hours, a 429's wait) must not be sent.
        """
        if not message_ids:
            return []
        statement = (
            update(OutboxRow)
            .where(
                OutboxRow.id.in_(message_ids),
                OutboxRow.status == OutboxStatus.PENDING.value,
                OutboxRow.not_before_at <= now,
            )
            .values(status=OutboxStatus.SENDING.value, attempts=OutboxRow.attempts + 1)
            .returning(*columns(OutboxRow))
        )
        return [_message(row) for row in await self._session.execute(statement)]

    async def unclaim(self, message_ids: Sequence[int]) -> None:
        """Put `sending` messages that were never sent back in the queue, attempt given back.

        For messages marked ahead of their turn when the dispatcher stops before sending them.
        """
        if not message_ids:
            return
        await self._session.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(message_ids), OutboxRow.status == OutboxStatus.SENDING.value)
            .values(
                status=OutboxStatus.PENDING.value,
                attempts=case((OutboxRow.attempts > 0, OutboxRow.attempts - 1), else_=0),
            )
        )

    async def mark_sent_many(self, sent: Sequence[SentMessage]) -> None:
        """Record many accepted messages in one statement (an executemany)."""
        await update_each(
            self._session,
            OutboxRow,
            [
                {
                    "id": item.message_id,
                    "sent_at": item.sent_at,
                    "telegram_message_id": item.telegram_message_id,
                }
                for item in sent
            ],
            status=OutboxStatus.SENT.value,
            last_error=None,
        )

    async def mark_sent(
        self, message_id: int, *, sent_at: datetime, telegram_message_id: int | None
    ) -> OutboxMessage | None:
        """Telegram accepted the message."""
        return await self._update(
            message_id,
            status=OutboxStatus.SENT.value,
            sent_at=sent_at,
            telegram_message_id=telegram_message_id,
            last_error=None,
        )

    async def mark_failed(self, message_id: int, *, error: str) -> OutboxMessage | None:
        """The message will never be delivered (e.g. the person blocked the bot)."""
        return await self._update(
            message_id, status=OutboxStatus.FAILED.value, last_error=clip(error)
        )

    async def mark_uncertain(self, message_id: int, *, error: str) -> OutboxMessage | None:
        """The send may or may not have arrived (a timeout after sending): do not resend."""
        return await self._update(
            message_id, status=OutboxStatus.UNCERTAIN.value, last_error=clip(error)
        )

    async def retry_later(
        self, message_id: int, *, not_before_at: datetime, error: str | None = None
    ) -> OutboxMessage | None:
        """Put the message back in the queue until `not_before_at` (429 retry_after, 5xx)."""
        return await self._update(
            message_id,
            status=OutboxStatus.PENDING.value,
            not_before_at=not_before_at,
            last_error=clip(error),
        )

    async def _update(self, message_id: int, **values: Any) -> OutboxMessage | None:
        statement = (
            update(OutboxRow)
            .where(OutboxRow.id == message_id)
            .values(**values)
            .returning(*columns(OutboxRow))
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _message(row)

    async def enqueue_many(self, messages: Sequence[NewOutboxMessage], now: datetime) -> set[str]:
        """Add many messages in one statement, skipping every idempotency key that exists.

        Returns the keys really queued: a key queued before (a double fire, a retried
        batch) is left as it was and never sent twice.
        """
        if not messages:
            return set()
        # Values go to the driver already in its form (`now` converted once): SQLAlchemy's
        # per-row processing of an executemany costs more than the database's work.
        dialect = dialect_of(self._session)
        table = OutboxRow.__table__.c
        as_json = driver_form(dialect, table.payload)
        not_before_at = driver_form(dialect, table.not_before_at)(now)
        created_at = driver_form(dialect, table.created_at)(now)
        rows = [
            (
                message.idempotency_key,
                message.patient_id,
                message.chat_id,
                message.kind,
                as_json(message.payload),
                not_before_at,
                created_at,
            )
            for message in messages
        ]
        inserted = await insert_new(
            self._session,
            OutboxRow,
            _NEW_MESSAGE_COLUMNS,
            rows,
            unique=("idempotency_key",),
            returning=("idempotency_key",),
        )
        return {key for (key,) in inserted}


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message Telegram accepted, for `OutboxRepository.mark_sent_many`."""

    message_id: int
    sent_at: datetime
    telegram_message_id: int | None


@dataclass(frozen=True, slots=True)
class NewOutboxMessage:
    """A message to queue with `OutboxRepository.enqueue_many` (not before it is queued)."""

    idempotency_key: str
    chat_id: int
    kind: str
    payload: Mapping[str, Any]
    patient_id: int | None = None
