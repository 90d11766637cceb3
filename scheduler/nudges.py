"""Nudges: at most one gentle follow-up per unanswered check-in, never in quiet hours.

The first nudge is planned when the check-in message is delivered (3 hours after it, moved out
of quiet hours), and only if that is still the same local day and before the check-in closes.
The tick fires it unless the person has answered, tapped "not today", or the check-in closed.
Its buttons: "later today" (one more reminder 2 hours on, with the same rules) and "not today".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import CallbackCodec
from core.domain import CheckIn, CheckInSlot, Patient
from core.ports import Button, OutgoingMessage
from core.store.repositories import CheckInRepository, NudgeRepository, PatientRepository
from messages import scheduled
from scheduler.local_time import local_date_of
from scheduler.planning import outside_quiet_hours
from scheduler.schedules import active_at, local_today, parse_hhmm, patient_zone

NUDGE_DELAY: Final = timedelta(hours=3)
LATER_DELAY: Final = timedelta(hours=2)
LATER: Final = "later"
NOT_TODAY: Final = "no"


def plan_nudge(patient: Patient, earliest: datetime, closes_at: datetime) -> datetime | None:
    """When a nudge meant for `earliest` may go: moved out of quiet hours, and only if that is
    still the same local day and before the check-in closes (None otherwise)."""
    zone = patient_zone(patient)
    at = outside_quiet_hours(
        earliest, parse_hhmm(patient.quiet_start), parse_hhmm(patient.quiet_end), zone
    )
    if at >= closes_at or local_date_of(at, zone) != local_date_of(earliest, zone):
        return None
    return at


def nudges_allowed(check_in: CheckIn) -> int:
    """How many nudges the check-in may have: one, plus one more after "later today"."""
    if check_in.nudge_reply == NOT_TODAY:
        return 0
    return 2 if check_in.nudge_reply == LATER else 1


async def schedule_first_nudges(
    session: AsyncSession, sent: Mapping[int, datetime]
) -> dict[int, datetime]:
    """Plan each check-in's nudge from the moment it was delivered (check-in id -> then),
    scheduled ones only; returns those planned. A few statements for any number."""
    check_ins = await CheckInRepository(session).many(sent.keys())
    patients = await PatientRepository(session).many({c.patient_id for c in check_ins.values()})
    planned: dict[int, datetime] = {}
    for check_in in check_ins.values():
        patient = patients.get(check_in.patient_id)
        if (
            patient is None
            or check_in.slot != CheckInSlot.DAILY.value
            or check_in.nudges_sent > 0
            or check_in.nudge_reply is not None
        ):
            continue
        at = plan_nudge(patient, sent[check_in.id] + NUDGE_DELAY, check_in.closes_at)
        if at is not None:
            planned[check_in.id] = at
    await NudgeRepository(session).set_due_many(planned)
    return planned


def nudge_should_go(check_in: CheckIn, patient: Patient, now: datetime) -> bool:
    """Whether a due nudge still makes sense at `now` (answers are checked separately)."""
    if not active_at(patient, now) or not check_in.is_open(now):
        return False
    paused_until = patient.nudges_paused_until_at
    if paused_until is not None and now < paused_until:
        return False  # e.g. for the rest of the day after crisis language
    if check_in.sent_at is None or check_in.nudges_sent >= nudges_allowed(check_in):
        return False
    # Late (e.g. N1 was down): still only the same local day, and never in quiet hours.
    return plan_nudge(patient, now, check_in.closes_at) == now and local_today(
        patient, now
    ) == local_today(patient, check_in.sent_at)


def nudge_message(
    codec: CallbackCodec, patient: Patient, check_in: CheckIn, text: str
) -> OutgoingMessage:
    """The nudge with its two buttons."""
    row = (
        Button(scheduled.LATER_TODAY, codec.nudge(patient.id, check_in.id, LATER)),
        Button(scheduled.NOT_TODAY, codec.nudge(patient.id, check_in.id, NOT_TODAY)),
    )
    return OutgoingMessage(text, (row,))


class NudgeReplyKind(StrEnum):
    """What a tap on a nudge button did."""

    LATER = "later"
    LATER_TOO_LATE = "later_too_late"
    NOT_TODAY = "not_today"
    ANSWERED = "answered"
    CLOSED = "closed"
    ALREADY_CHOSEN = "already_chosen"
    NOT_OWNED = "not_owned"


@dataclass(frozen=True)
class NudgeReply:
    """The outcome of a nudge tap and the short text to show the person."""

    kind: NudgeReplyKind
    text: str
    reminder_at: datetime | None = None


async def reply_to_nudge(
    session: AsyncSession,
    *,
    patient: Patient,
    check_in_id: int,
    choice: Literal["later", "no"],
    now: datetime,
) -> NudgeReply:
    """Apply "later today" or "not today" to the person's own check-in."""
    check_ins = CheckInRepository(session)
    check_in = await check_ins.get(check_in_id)
    if check_in is None or check_in.patient_id != patient.id:
        return NudgeReply(NudgeReplyKind.NOT_OWNED, scheduled.NUDGE_CLOSED)
    if await check_ins.has_answers(check_in.id):
        return NudgeReply(NudgeReplyKind.ANSWERED, scheduled.NUDGE_ALREADY_ANSWERED)
    if not check_in.is_open(now):
        return NudgeReply(NudgeReplyKind.CLOSED, scheduled.NUDGE_CLOSED)
    if check_in.nudge_reply is not None:
        # One choice per check-in: a second tap (or a tap on the reminder) changes nothing.
        return NudgeReply(NudgeReplyKind.ALREADY_CHOSEN, scheduled.NUDGE_ALREADY_CHOSEN)
    nudges = NudgeRepository(session)
    if choice == NOT_TODAY:
        await nudges.set(check_in.id, due_at=None, reply=NOT_TODAY)
        return NudgeReply(NudgeReplyKind.NOT_TODAY, scheduled.NOT_TODAY_OK)
    at = plan_nudge(patient, now + LATER_DELAY, check_in.closes_at)
    await nudges.set(check_in.id, due_at=at, reply=LATER)
    if at is None:
        return NudgeReply(NudgeReplyKind.LATER_TOO_LATE, scheduled.LATER_TOO_LATE)
    return NudgeReply(NudgeReplyKind.LATER, scheduled.LATER_OK, at)
