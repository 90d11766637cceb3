"""Opening a check-in: choosing its items, writing its row, and rendering its message.

The tick (scheduled check-ins), onboarding (the baseline) and /checkin (on demand) all open
check-ins through `open_checkin`, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import CallbackCodec
from core.checkin_items import activity_item, chosen_days, items_for
from core.domain import CheckIn, CheckInSlot, Patient
from core.markers import MarkerId
from core.ports import OutgoingMessage
from core.store.repositories import ActivityRepository, CheckInRepository
from messages.checkin_message import CheckInState, first_open_item, render_checkin

BASELINE_ITEMS = (
    MarkerId.MOVING_FREELY,
    MarkerId.DOING_WHAT_MATTERS,
    MarkerId.CONFIDENCE,
    MarkerId.WORRY,
)


@dataclass(frozen=True)
class OpenedCheckIn:
    """A check-in and its message; `created` is False when it already existed."""

    check_in: CheckIn
    message: OutgoingMessage
    created: bool


def is_weekly_day(local_date: date, days_mask: int, summary_weekday: int) -> bool:
    """Whether the check-in on `local_date` also asks the weekly questions.

    That is the summary day itself, or, when the person does not check in that day, their
    last check-in day before it.
    """
    days = chosen_days(days_mask) or list(range(7))
    if summary_weekday in days:
        return local_date.weekday() == summary_weekday
    before = [d for d in days if d < summary_weekday] or days
    return local_date.weekday() == max(before)


def choose_items(
    patient: Patient, local_date: date, slot: CheckInSlot, activities: Mapping[int, str]
) -> list[str]:
    """The items a check-in asks, in order."""
    own = [activity_item(position) for position in sorted(activities)]
    if slot is CheckInSlot.BASELINE:
        return [*BASELINE_ITEMS, *own]
    items: list[str] = list(
        items_for(local_date, patient.checkin_days, include_pain=patient.ask_about_pain)
    )
    if slot is CheckInSlot.WEEKLY or is_weekly_day(
        local_date, patient.checkin_days, patient.summary_weekday
    ):
        items += [*own, MarkerId.REFRAME]
    return items


def heading(slot: CheckInSlot, local_date: date) -> str:
    """The first line of a check-in message."""
    if slot is CheckInSlot.BASELINE:
        return (
            "Your first check-in. It gives you a starting point to compare with later, "
            "so there are no right or wrong answers."
        )
    return f"Your check-in for {local_date:%A} {local_date.day} {local_date:%B}"


async def checkin_state(
    session: AsyncSession, check_in: CheckIn, *, showing: int | None = None, closing: str = ""
) -> CheckInState:
    """The state of a check-in as stored, showing `showing` or its first open item."""
    answers = {a.item: a.value for a in await CheckInRepository(session).answers(check_in.id)}
    activities = await ActivityRepository(session).labels(check_in.patient_id)
    return CheckInState(
        check_in=check_in,
        answers=answers,
        activities=activities,
        showing=showing if showing is not None else first_open_item(check_in, answers),
        heading=heading(CheckInSlot(check_in.slot), check_in.local_date),
        closing=closing,
    )


async def open_checkin(
    session: AsyncSession,
    *,
    patient: Patient,
    local_date: date,
    slot: CheckInSlot,
    closes_at: datetime,
    now: datetime,
    codec: CallbackCodec,
) -> OpenedCheckIn:
    """Create (or find) the check-in for (patient, local date, slot) and render it."""
    activities = await ActivityRepository(session).labels(patient.id)
    check_ins = CheckInRepository(session)
    check_in, created = await check_ins.create(
        patient_id=patient.id,
        local_date=local_date,
        slot=slot.value,
        items=choose_items(patient, local_date, slot, activities),
        closes_at=closes_at,
        now=now,
    )
    state = await checkin_state(session, check_in)
    return OpenedCheckIn(check_in, render_checkin(state, codec), created)
