"""Small use-cases about whether and how much N1 writes to someone.

Each takes the caller's session and never commits (the caller owns the transaction):
- `mark_unreachable`: Telegram said 403 (blocked, deactivated) or a `my_chat_member` update
  said "kicked": stop their schedule and give up their queued messages until they come back;
- `restore_reachability`: they unblocked the bot or wrote again: schedule them again;
- `note_activity`: after any answer or command: restore their own schedule after a quiet
  spell and say whether to greet them with "welcome back".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Patient, PatientStatus
from core.store.repositories import OutboxRepository, PatientRepository, ScheduleRepository
from scheduler.backoff import BackoffLevel
from scheduler.schedules import reschedule

# Statuses a block moves to `unreachable`. Onboarding and stopped people keep theirs: nothing
# is scheduled for them anyway, and /start must still know where they were.
_BLOCKABLE = frozenset({PatientStatus.ACTIVE, PatientStatus.PAUSED})


async def mark_unreachable(
    session: AsyncSession, patient_id: int, now: datetime, *, reason: str = "blocked"
) -> bool:
    """Stop writing to the person until they come back; True if anything changed."""
    patients = PatientRepository(session)
    patient = await patients.get(patient_id)
    if patient is None:
        return False
    changed = False
    if patient.status in _BLOCKABLE:
        await patients.update_status(patient_id, PatientStatus.UNREACHABLE, now)
        changed = True
    await ScheduleRepository(session).stop_all(patient_id, now)
    failed = await OutboxRepository(session).fail_pending_for_patient(
        patient_id, error=f"not sent: {reason}"
    )
    return changed or failed > 0


async def restore_reachability(
    session: AsyncSession, patient_id: int, now: datetime
) -> Patient | None:
    """The person can be written to again: an unreachable one becomes active and is
    rescheduled. Returns the patient as now stored (None if there is no such patient)."""
    patients = PatientRepository(session)
    patient = await patients.get(patient_id)
    if patient is None or patient.status is not PatientStatus.UNREACHABLE:
        return patient
    restored = await patients.update_status(patient_id, PatientStatus.ACTIVE, now)
    assert restored is not None  # read in this transaction
    await reschedule(session, restored, now)
    return restored


@dataclass(frozen=True)
class Activity:
    """What noting someone's activity did."""

    patient: Patient
    # They had gone quiet (their check-ins had backed off): greet them with "welcome back",
    # never with how long it was.
    welcome_back: bool


async def note_activity(session: AsyncSession, patient: Patient, now: datetime) -> Activity:
    """After an answer or command (their last-seen time already touched): restore their own
    schedule after a quiet spell.

    Call from every command and answer handler (inside its transaction), with the person as
    read in it. Someone who writes to N1 can evidently be reached, so an unreachable person
    is restored too.
    """
    patients = PatientRepository(session)
    patient_id = patient.id
    if patient.status is PatientStatus.UNREACHABLE:
        restored = await restore_reachability(session, patient_id, now)
        assert restored is not None  # read in this transaction
        patient = restored
    was_quiet = patient.backoff_level > BackoffLevel.NORMAL
    if was_quiet:
        await ScheduleRepository(session).set_backoff_level(patient_id, BackoffLevel.NORMAL)
        refreshed = await patients.get(patient_id)
        assert refreshed is not None
        patient = refreshed
        await reschedule(session, patient, now)
    return Activity(patient, welcome_back=was_quiet)
