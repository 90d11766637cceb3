"""Rows of N1's tables as `core.domain` values: the one place a row becomes a record.

Repositories select plain columns (never ORM entities, so no row object can go stale in a
session) and hand each row's mapping to the function for its table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.conversation import parse_awaiting
from core.crypto import TextCipher
from core.domain import (
    Answer,
    CheckIn,
    CheckInStatus,
    Consent,
    OutboxMessage,
    OutboxStatus,
    Patient,
    PatientStatus,
    SafetyEvent,
    Schedule,
    ScheduleKind,
    SecurityEvent,
    WeeklySummary,
)
from core.safety import Category
from core.store.sealed import open_payload

# A row as column name -> value (a `RowMapping`, or a dict made from a joined row).
Row = Mapping[Any, Any]


def patient(row: Row) -> Patient:
    """A `patients` row."""
    fields = dict(row)
    fields["status"] = PatientStatus(fields["status"])
    fields["awaiting"] = parse_awaiting(fields.pop("awaiting_input"))
    return Patient(**fields)


def check_in(row: Row, cipher: TextCipher) -> CheckIn:
    """A `check_ins` row, its note decrypted."""
    return CheckIn(
        **{
            **row,
            "status": CheckInStatus(row["status"]),
            "items": tuple(row["items"]),
            "note": cipher.decrypt_optional(row["note"]),
        }
    )


def answer(row: Row) -> Answer:
    """An `answers` row."""
    return Answer(**row)


def consent(row: Row) -> Consent:
    """A `consents` row."""
    return Consent(**row)


def schedule(row: Row) -> Schedule:
    """A `schedules` row."""
    return Schedule(**{**row, "kind": ScheduleKind(row["kind"])})


def outbox_message(row: Row, cipher: TextCipher) -> OutboxMessage:
    """An `outbox` row, its payload's text decrypted."""
    return OutboxMessage(
        **{
            **row,
            "status": OutboxStatus(row["status"]),
            "payload": open_payload(row["payload"], cipher),
        }
    )


def security_event(row: Row) -> SecurityEvent:
    """A `security_events` row."""
    return SecurityEvent(**row)


def safety_event(row: Row) -> SafetyEvent:
    """A `safety_events` row."""
    return SafetyEvent(**{**row, "category": Category(row["category"])})


def weekly_summary(row: Row, cipher: TextCipher) -> WeeklySummary:
    """A `weekly_summaries` row, its text and focus decrypted."""
    return WeeklySummary(
        **{
            **row,
            "text": cipher.decrypt(row["text"]),
            "next_focus": cipher.decrypt_optional(row["next_focus"]),
        }
    )
