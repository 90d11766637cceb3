"""N1's domain records: the plain, immutable values the store hands to the rest of N1.

Repositories return these, never ORM rows, so nothing outside `core.store` can lazy-load,
mutate or accidentally flush a database row. Every datetime here is aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from core.conversation import Awaiting
from core.safety import Category

# The consent that lets N1 store health answers (its own onboarding step).
HEALTH_DATA_CONSENT = "health_data"


class PatientStatus(StrEnum):
    """Where a person is in their time with N1."""

    ONBOARDING = "onboarding"
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    # Telegram answered 403 (blocked, deactivated): nothing is scheduled until /start.
    UNREACHABLE = "unreachable"


class ScheduleKind(StrEnum):
    """The recurring things a person has a schedule row for."""

    CHECKIN = "checkin"
    SUMMARY = "summary"


class CheckInSlot(StrEnum):
    """Which kind of check-in a row is; part of its unique (patient, local date, slot) key."""

    DAILY = "daily"
    WEEKLY = "weekly"
    ONDEMAND = "ondemand"
    BASELINE = "baseline"


class CheckInStatus(StrEnum):
    """Whether a check-in still takes answers."""

    OPEN = "open"
    CLOSED = "closed"
    # Due while N1 was down and not sent late (a late check-in would be noise, not care).
    MISSED_DOWNTIME = "missed_downtime"


class OutboxKind(StrEnum):
    """What an outbox message is, for rate limits, priorities and delivery reports."""

    CHECKIN = "checkin"
    NUDGE = "nudge"
    SUMMARY = "summary"
    BROADCAST = "broadcast"
    # The one "the door is open" message after a long quiet spell.
    DOOR_OPEN = "door_open"


# A check-in message's outbox payload: {CHECK_IN_KEY: <check-in id>}. It is rendered from the
# stored check-in just before it is sent.
CHECK_IN_KEY = "check_in_id"


class OutboxStatus(StrEnum):
    """Delivery state of an outbox message."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # The send may have reached Telegram (e.g. a timeout after the request went out):
    # never resent blindly.
    UNCERTAIN = "uncertain"


@dataclass(frozen=True, slots=True, kw_only=True)
class Patient:
    """A person using N1. No names are stored (data minimisation)."""

    id: int
    telegram_user_id: int
    chat_id: int
    status: PatientStatus
    onboarding_step: str | None
    time_zone: str
    checkin_days: int
    checkin_time: str
    summary_weekday: int
    summary_time: str
    quiet_start: str
    quiet_end: str
    paused_until_at: datetime | None
    join_code: str | None
    created_at: datetime
    updated_at: datetime
    last_seen_at: datetime | None
    # What their next typed message is for, outside onboarding (None: nothing).
    awaiting: Awaiting | None = None
    ask_about_pain: bool = True
    nudges_paused_until_at: datetime | None = None
    backoff_level: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Consent:
    """One consent decision; a later decision for the same kind supersedes it."""

    id: int
    patient_id: int
    kind: str
    version: str
    granted: bool
    decided_at: datetime
    withdrawn_at: datetime | None

    @property
    def active(self) -> bool:
        """Granted and not withdrawn."""
        return self.granted and self.withdrawn_at is None


def consent_in_force(latest: Consent | None) -> bool:
    """Whether a person's latest decision (None: they never decided) lets N1 keep data."""
    return latest is not None and latest.active


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckIn:
    """One check-in message: the items asked, for one local date and slot."""

    id: int
    patient_id: int
    local_date: date
    slot: str
    items: tuple[str, ...]
    status: CheckInStatus
    sent_at: datetime | None
    closes_at: datetime
    telegram_message_id: int | None
    note: str | None
    created_at: datetime
    nudge_due_at: datetime | None = None
    nudges_sent: int = 0
    nudge_reply: str | None = None

    def is_open(self, now: datetime) -> bool:
        """Whether the check-in still takes answers at `now`."""
        return self.status is CheckInStatus.OPEN and now < self.closes_at


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """When a person's next check-in or summary is due (None: nothing is scheduled)."""

    id: int
    patient_id: int
    kind: ScheduleKind
    next_due_at: datetime | None
    due_local_date: date | None
    updated_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """The answer to one item of a check-in; `value` None means the person skipped it."""

    id: int
    check_in_id: int
    patient_id: int
    item: str
    value: int | None
    answered_at: datetime
    changed_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxMessage:
    """A message waiting to be (or already) delivered by the dispatcher."""

    id: int
    idempotency_key: str
    patient_id: int | None
    chat_id: int
    kind: str
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    not_before_at: datetime
    created_at: datetime
    sent_at: datetime | None
    telegram_message_id: int | None
    last_error: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityEvent:
    """Something worth an audit trail (e.g. a forged callback); never holds health data."""

    id: int
    kind: str
    telegram_user_id: int | None
    detail: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SafetyEvent:
    """A signpost given after screening typed text: the category and when, never the text.

    `patient_id` is None for someone N1 has not met yet; `notified_at` is when a clinician
    was told (not yet used).
    """

    id: int
    patient_id: int | None
    category: Category
    created_at: datetime
    notified_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklySummary:
    """A weekly summary as sent, and the person's answer to "a little more of next week"."""

    id: int
    patient_id: int
    # The local Monday of the calendar week the summary was for (one summary a week).
    week_start: date
    text: str
    next_focus: str | None
    created_at: datetime
    focus_answered_at: datetime | None
