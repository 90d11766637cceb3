"""N1's SQL tables (SQLAlchemy 2 typed declarative).

Only `core.store` imports this module: repositories turn rows into `core.domain` values.
Conventions: every datetime column is named `*_at` and is a `UTCDateTime` (aware UTC in
Python on SQLite and PostgreSQL alike); Telegram ids are BigInteger; statuses and kinds are
short strings whose vocabularies live in `core.domain`; constraint names come from the naming
convention below so Alembic migrations can refer to them stably.

A person's rows: a row that belongs to a patient has a `patient_id` that cascades from the
patient row; a row that names a person without being tied to a patient row names them in a
column called `telegram_user_id` or `chat_id`. Erasure (`repositories/erasure.py`) relies on
exactly these names, for every table here, so a new table that keeps either is covered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Longest error text kept on an outbox row or security event (never health data).
MAX_ERROR_LENGTH = 500


def as_utc(value: object) -> datetime:
    """An aware datetime in UTC; naive datetimes and anything else are refused."""
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is UTC:  # most values are UTC already
        return value
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime given to a UTC column; use an aware datetime")
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored as UTC and always returned as an aware UTC datetime.

    Naive datetimes are rejected: a naive value is ambiguous, and silently treating it as
    local or UTC time is how check-ins end up an hour out after a clock change.
    SQLite has no time zone type: UTC is stored there as text without an offset
    ("2027-01-04 09:00:00.000000", SQLAlchemy's own SQLite format), and the UTC zone is
    attached again on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Check the value is aware and convert it to UTC for storage."""
        return None if value is None else as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    # On SQLite each way is one step instead of two (this type's conversion, then SQLite's
    # text formatting or parsing): a tick converts tens of thousands of these when many
    # people's check-ins fall due at once (`make bench`, tick). TypeDecorator documents both
    # methods as overridable; the text is exactly what SQLAlchemy's SQLite DATETIME writes.
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        """On SQLite: an aware datetime straight to its stored UTC text."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _to_sqlite_text

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        """On SQLite: the stored text straight to an aware UTC datetime."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _from_sqlite_text


def _to_sqlite_text(value: datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat(sep=" ", timespec="microseconds").removesuffix("+00:00")


def _from_sqlite_text(value: str | None) -> datetime | None:
    if value is None:
        return None
    # Parsing the offset with the text gives `UTC` itself, in a fifth of the time that
    # attaching it afterwards takes.
    return datetime.fromisoformat(value + "+00:00")


# Primary keys are BIGINT on PostgreSQL (answers and outbox rows add up over years), but must
# stay INTEGER on SQLite, where only "INTEGER PRIMARY KEY" is the auto-incrementing rowid.
BigIntPK: TypeEngine[int] = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base for N1's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), date: Date()}  # noqa: RUF012


def _patient_fk(nullable: bool = False) -> MappedColumn[Any]:
    """A `patient_id` column whose rows go when the patient is deleted (/delete)."""
    return mapped_column(
        BigIntPK, ForeignKey("patients.id", ondelete="CASCADE"), nullable=nullable
    )


class PatientRow(Base):
    """A person using N1 and their preferences (local times are "HH:MM" in `time_zone`)."""

    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("checkin_days BETWEEN 0 AND 127", name="checkin_days_bitmask"),
        CheckConstraint("summary_weekday BETWEEN 0 AND 6", name="summary_weekday_range"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(
        String(16), default="onboarding", server_default="onboarding"
    )
    onboarding_step: Mapped[str | None] = mapped_column(String(32))
    time_zone: Mapped[str] = mapped_column(
        String(64), default="Europe/London", server_default="Europe/London"
    )
    checkin_days: Mapped[int] = mapped_column(Integer, default=127, server_default=text("127"))
    checkin_time: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    summary_weekday: Mapped[int] = mapped_column(Integer, default=6, server_default=text("6"))
    summary_time: Mapped[str] = mapped_column(String(5), default="18:00", server_default="18:00")
    quiet_start: Mapped[str] = mapped_column(String(5), default="21:00", server_default="21:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")
    paused_until_at: Mapped[datetime | None]
    join_code: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    last_seen_at: Mapped[datetime | None]
    # What the next typed message is for, outside onboarding (e.g. "note:42"); None: nothing.
    awaiting_input: Mapped[str | None] = mapped_column(String(32))
    # No nudges before this moment (set for the rest of the day after crisis language).
    nudges_paused_until_at: Mapped[datetime | None]
    # Whether check-ins include the optional "how much did pain take centre stage" item.
    ask_about_pain: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=text("true")
    )
    # How far check-ins have backed off while the person is quiet (scheduler.backoff):
    # 0 their own schedule, 1 every other chosen day, 2 weekly, 3 "the door is open" sent.
    backoff_level: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class ConsentRow(Base):
    """One consent decision (a new row per decision keeps the history)."""

    __tablename__ = "consents"
    __table_args__ = (Index(None, "patient_id", "kind"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(16))
    granted: Mapped[bool] = mapped_column(Boolean)
    decided_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class ActivityRow(Base):
    """One of a person's 1 to 3 activities that matter to them, in their own words.

    `label` is a Fernet token (`core.store.sealed`), as are check-in notes and weekly
    summaries: a token is about 1.4 times the text plus 80 characters, hence Text.
    """

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("patient_id", "position"),
        CheckConstraint("position BETWEEN 1 AND 3", name="position_range"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class ScheduleRow(Base):
    """When a person's next check-in or summary is due (UTC)."""

    __tablename__ = "schedules"
    __table_args__ = (
        UniqueConstraint("patient_id", "kind"),
        # The tick's query: "due before now, oldest first" (in the order the index holds,
        # so a claim never sorts everyone due; an idle tick reads one entry).
        Index(None, "next_due_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    kind: Mapped[str] = mapped_column(String(16))
    next_due_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # The person's local day the next occurrence belongs to (the check-in's unique key uses
    # it; it can differ from the local date of `next_due_at` after a gap or quiet hours).
    due_local_date: Mapped[date | None]


class CheckInRow(Base):
    """One check-in; the unique key makes a double fire of the tick harmless."""

    __tablename__ = "check_ins"
    __table_args__ = (
        UniqueConstraint("patient_id", "local_date", "slot"),
        # Nudges are claimed "due before now, oldest first", in this index's order.
        Index(None, "nudge_due_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    local_date: Mapped[date]
    slot: Mapped[str] = mapped_column(String(16))
    items: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    sent_at: Mapped[datetime | None]
    closes_at: Mapped[datetime]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # The one gentle nudge (and a "later today" reminder): when it is due, how many were
    # queued, and what the person tapped ("later" or "no").
    nudge_due_at: Mapped[datetime | None]
    nudges_sent: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    nudge_reply: Mapped[str | None] = mapped_column(String(8))


class AnswerRow(Base):
    """The answer to one item of a check-in (value None = skipped)."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("check_in_id", "item"),
        Index(None, "patient_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    check_in_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("check_ins.id", ondelete="CASCADE")
    )
    patient_id: Mapped[int] = _patient_fk()
    item: Mapped[str] = mapped_column(String(32))
    value: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime]
    changed_at: Mapped[datetime | None]


class OutboxRow(Base):
    """A message to deliver; written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (
        # The dispatcher reads "pending, due, oldest first", in this index's order.
        Index(None, "status", "not_before_at", "id"),
        # Lets the database find a deleted patient's messages without a table scan.
        Index(None, "patient_id"),
        # Erasure finds messages queued for a chat but tied to no patient row by this
        # (partial, so the rows of patients, nearly all of them, cost it nothing).
        Index(
            None,
            "chat_id",
            sqlite_where=text("patient_id IS NULL"),
            postgresql_where=text("patient_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    patient_id: Mapped[int | None] = _patient_fk(nullable=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default="pending", server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    not_before_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(MAX_ERROR_LENGTH))


class SecurityEventRow(Base):
    """An audit record of something suspicious or security-relevant; never health data."""

    __tablename__ = "security_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    # Indexed: erasure (/delete, the retention purge) finds a person's events by it.
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    detail: Mapped[str | None] = mapped_column(String(MAX_ERROR_LENGTH))
    created_at: Mapped[datetime] = mapped_column(index=True)


class SafetyEventRow(Base):
    """A signpost given after screening typed text: the category and when, never the text.

    `patient_id` is empty for someone N1 has not met; `notified_at` is for telling a
    cohort's clinicians later.
    """

    __tablename__ = "safety_events"
    __table_args__ = (Index(None, "patient_id"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    patient_id: Mapped[int | None] = _patient_fk(nullable=True)
    category: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(index=True)
    notified_at: Mapped[datetime | None]


class MessageLogRow(Base):
    """Which library message a person was sent, so variants are not repeated to them."""

    __tablename__ = "message_log"
    __table_args__ = (Index(None, "patient_id", "kind", "sent_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    kind: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime]


class WeeklySummaryRow(Base):
    """A person's weekly summary as sent, and what they would like a little more of next."""

    __tablename__ = "weekly_summaries"
    __table_args__ = (UniqueConstraint("patient_id", "week_start"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    patient_id: Mapped[int] = _patient_fk()
    # The local Monday of the week the summary looks back on.
    week_start: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    next_focus: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    focus_answered_at: Mapped[datetime | None]


metadata = Base.metadata
