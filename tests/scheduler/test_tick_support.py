"""Helpers shared by the scheduling and delivery tests (this module holds no tests).

People are created directly through the repositories, as onboarding would leave them: active,
with their preferences, seen now, and with schedule rows from `reschedule`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec, derive_key
from core.clock import Clock
from core.domain import (
    HEALTH_DATA_CONSENT,
    CheckIn,
    OutboxMessage,
    Patient,
    PatientStatus,
)
from core.journey import CONSENT_VERSION
from core.ports import OutgoingMessage, SendResult, SendStatus
from core.store import records
from core.store.repositories import CheckInRepository, ConsentRepository, PatientRepository
from core.store.repositories.check_ins import NewCheckIn
from core.store.tables import CheckInRow, OutboxRow
from scheduler.dispatch_lock import LocalLock
from scheduler.dispatcher import Dispatcher, DispatchSettings
from scheduler.pacing import DeliveryLimits
from scheduler.schedules import reschedule
from scheduler.sending import RetryPolicy
from scheduler.tick import Ticker
from tests.keys import fixed_cipher
from tests.messages.helpers import shipped

NO_QUIET = ("00:00", "00:00")


def test_codec() -> CallbackCodec:
    """A callback codec with a fixed test key."""
    return CallbackCodec(derive_key("n1-scheduling-tests"))


test_codec.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


async def add_active_patient(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    telegram_user_id: int,
    now: datetime,
    time_zone: str = "Europe/London",
    checkin_days: int = 127,
    checkin_time: str = "09:00",
    quiet: tuple[str, str] = ("21:00", "08:00"),
    summary_weekday: int = 6,
    summary_time: str = "18:00",
) -> Patient:
    """A person who finished onboarding at `now` (consent given), with schedule rows."""
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        patient = await patients.add(
            telegram_user_id=telegram_user_id, chat_id=telegram_user_id, now=now
        )
        await ConsentRepository(session).record(
            patient_id=patient.id,
            kind=HEALTH_DATA_CONSENT,
            version=CONSENT_VERSION,
            granted=True,
            now=now,
        )
        await patients.update_preferences(
            patient.id,
            now=now,
            time_zone=time_zone,
            checkin_days=checkin_days,
            checkin_time=checkin_time,
            summary_weekday=summary_weekday,
            summary_time=summary_time,
            quiet_start=quiet[0],
            quiet_end=quiet[1],
        )
        await patients.touch_last_seen(patient.id, now)
        active = await patients.update_status(patient.id, PatientStatus.ACTIVE, now)
        assert active is not None
        await reschedule(session, active, now)
        return active


async def get_patient(
    session_factory: async_sessionmaker[AsyncSession], patient_id: int
) -> Patient:
    """The patient as stored now."""
    async with session_factory() as session:
        patient = await PatientRepository(session).get(patient_id)
    assert patient is not None
    return patient


async def seen(
    session_factory: async_sessionmaker[AsyncSession], patient_id: int, now: datetime
) -> None:
    """The person answered or used a command at `now`."""
    async with session_factory.begin() as session:
        await PatientRepository(session).touch_last_seen(patient_id, now)


async def outbox(
    session_factory: async_sessionmaker[AsyncSession], kind: str | None = None
) -> list[OutboxMessage]:
    """Every outbox message (of `kind`), in id order, its text decrypted."""
    statement = select(*OutboxRow.__table__.c).order_by(OutboxRow.id)
    if kind is not None:
        statement = statement.where(OutboxRow.kind == kind)
    async with session_factory() as session:
        rows = (await session.execute(statement)).mappings().all()
    return [records.outbox_message(row, fixed_cipher()) for row in rows]


async def check_ins(
    session_factory: async_sessionmaker[AsyncSession], patient_id: int | None = None
) -> list[CheckIn]:
    """Every check-in (of one patient), in id order, its note decrypted."""
    statement = select(*CheckInRow.__table__.c).order_by(CheckInRow.id)
    if patient_id is not None:
        statement = statement.where(CheckInRow.patient_id == patient_id)
    async with session_factory() as session:
        rows = (await session.execute(statement)).mappings().all()
    return [records.check_in(row, fixed_cipher()) for row in rows]


@dataclass
class FakeSender:
    """A `Sender` that records sends and answers from a script (default: sent)."""

    script: Callable[[int, OutgoingMessage], SendResult | None] | None = None
    sent: list[tuple[int, OutgoingMessage]] = field(default_factory=list)
    attempts: list[tuple[int, OutgoingMessage]] = field(default_factory=list)
    next_id: int = 1000

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendResult:
        """Record the attempt; answer from the script or say it was sent."""
        self.attempts.append((chat_id, message))
        result = self.script(chat_id, message) if self.script is not None else None
        if result is not None:
            return result
        self.next_id += 1
        self.sent.append((chat_id, message))
        return SendResult(SendStatus.SENT, message_id=self.next_id)


def make_ticker(
    session_factory: async_sessionmaker[AsyncSession], clock: Clock, **kwargs: Any
) -> Ticker:
    """A ticker with the test codec (which signs its nudges' buttons) and N1's own message
    library, unless `kwargs` say otherwise."""
    kwargs.setdefault("codec", test_codec())
    kwargs.setdefault("catalogue", shipped())
    return Ticker(session_factory, clock=clock, **kwargs)


def make_dispatcher(
    session_factory: async_sessionmaker[AsyncSession],
    sender: FakeSender,
    clock: Clock,
    *,
    limits: DeliveryLimits | None = None,
    max_attempts: int = 5,
    retry_base_seconds: float = 2.0,
    **settings: int | float,
) -> Dispatcher:
    """A dispatcher with no pacing (unless `limits`) and quick retries, with the test codec
    to render (and sign) the check-ins the tick queued."""
    options: dict[str, int | float] = {"poll_seconds": 0.01}
    options.update(settings)
    return Dispatcher(
        session_factory,
        sender,
        clock=clock,
        lock=LocalLock(),
        settings=DispatchSettings(
            limits=limits or DeliveryLimits.unlimited(),
            retry=RetryPolicy(max_attempts=max_attempts, base_seconds=retry_base_seconds),
            **options,  # type: ignore[arg-type]
        ),
        codec=test_codec(),
    )


async def add_check_in(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    patient_id: int,
    local_date: date,
    slot: str,
    items: Sequence[str],
    closes_at: datetime,
    now: datetime,
) -> CheckIn:
    """A check-in stored directly (as onboarding's baseline or /checkin would leave it)."""
    async with session_factory.begin() as session:
        (created,) = await CheckInRepository(session).create_many(
            [NewCheckIn(patient_id, local_date, slot, items, closes_at)], now
        )
    return created


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements sent meanwhile, spaces folded (an executemany counts once)."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(" ".join(str(args[2]).split()))

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


def keys(messages: Sequence[OutboxMessage]) -> list[str]:
    """The idempotency keys of some outbox messages."""
    return [message.idempotency_key for message in messages]
