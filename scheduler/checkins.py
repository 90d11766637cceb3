"""Opening check-ins: choosing their items and writing their rows.

One function opens check-ins, `open_checkins`, for a batch of any size: the tick's scheduled
ones, onboarding's baseline and /checkin's on-demand one (a batch of one). Scheduled
check-ins are queued naming only the check-in (`core.domain.CHECK_IN_KEY`); the dispatcher
renders each from the stored check-in just before sending it (`checkin_states`), so the
message shows its answers and the person's own activity labels as they are then.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.checkin_items import activity_item, items_for, planned_days
from core.domain import CheckIn, CheckInSlot, CheckInStatus, Patient
from core.markers import MarkerId
from core.store.repositories import ActivityRepository, CheckInRepository
from core.store.repositories.check_ins import NewCheckIn
from messages.checkin_message import CheckInState, state_of

BASELINE_ITEMS = (
    MarkerId.MOVING_FREELY,
    MarkerId.DOING_WHAT_MATTERS,
    MarkerId.CONFIDENCE,
    MarkerId.WORRY,
)


def is_weekly_day(local_date: date, days_mask: int, summary_weekday: int) -> bool:
    """Whether the check-in on `local_date` also asks the weekly questions.

    That is the summary day itself, or, when the person does not check in that day, their
    last check-in day before it.
    """
    days = planned_days(days_mask)
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
    weekly = is_weekly_day(local_date, patient.checkin_days, patient.summary_weekday)
    if slot is CheckInSlot.WEEKLY or weekly:
        items += [*own, MarkerId.REFRAME]
    return items


@dataclass(frozen=True)
class CheckInRequest:
    """A check-in to open for a person on a local date; MISSED_DOWNTIME only records it."""

    patient: Patient
    local_date: date
    slot: CheckInSlot
    closes_at: datetime
    status: CheckInStatus = CheckInStatus.OPEN


@dataclass(frozen=True)
class Opened:
    """A check-in as opened: `created` False when it existed already; `to_send` when its
    message still has to go out (open, and never sent)."""

    check_in: CheckIn
    created: bool
    to_send: bool


def _key(patient_id: int, local_date: date, slot: str) -> tuple[int, date, str]:
    return (patient_id, local_date, slot)


async def open_checkins(
    session: AsyncSession,
    requests: Sequence[CheckInRequest],
    *,
    now: datetime,
) -> list[Opened]:
    """Create (or find) the check-in of each request, in the caller's transaction.

    The result is in the order of `requests`. A (patient, local date, slot) that exists is
    found, not made again, so a double fire of the tick or a retried batch opens nothing
    twice.
    """
    if not requests:
        return []
    check_ins = CheckInRepository(session)
    found: dict[tuple[int, date, str], CheckIn] = {}
    activities = await ActivityRepository(session).labels_of_many({r.patient.id for r in requests})
    wanted: dict[tuple[int, date, str], NewCheckIn] = {}
    for request in requests:
        key = _key(request.patient.id, request.local_date, request.slot.value)
        if key not in found and key not in wanted:
            items = choose_items(
                request.patient, request.local_date, request.slot, activities[request.patient.id]
            )
            wanted[key] = NewCheckIn(
                patient_id=request.patient.id,
                local_date=request.local_date,
                slot=request.slot.value,
                items=items,
                closes_at=request.closes_at,
                status=request.status,
            )
    created = {
        _key(c.patient_id, c.local_date, c.slot): c
        for c in await check_ins.create_many(list(wanted.values()), now)
    }
    if len(created) < len(wanted):  # created meanwhile by someone else: read them
        others = await check_ins.on_dates({(key[0], key[1]) for key in wanted})
        found.update((_key(c.patient_id, c.local_date, c.slot), c) for c in others)
    found.update(created)
    opened: list[Opened] = []
    for request in requests:
        key = _key(request.patient.id, request.local_date, request.slot.value)
        check_in = found[key]
        to_send = (
            request.status is CheckInStatus.OPEN
            and check_in.status is CheckInStatus.OPEN
            and check_in.sent_at is None
        )
        opened.append(Opened(check_in, key in created, to_send))
    return opened


async def open_checkin(session: AsyncSession, request: CheckInRequest, *, now: datetime) -> Opened:
    """`open_checkins` for one check-in."""
    (opened,) = await open_checkins(session, [request], now=now)
    return opened


async def open_to_show(
    session: AsyncSession, request: CheckInRequest, *, now: datetime
) -> CheckInState:
    """Open (or find) one check-in sent as a reply (the baseline, /checkin), as it is to be
    shown: with its answers so far and the person's activities."""
    check_in_id = (await open_checkin(session, request, now=now)).check_in.id
    return (await checkin_states(session, [check_in_id]))[check_in_id]


async def checkin_states(
    session: AsyncSession, check_in_ids: Collection[int]
) -> dict[int, CheckInState]:
    """The states of check-ins as stored, to render them (three queries for any number).

    The dispatcher renders queued check-ins from these just before sending them, and a
    check-in sent as a reply (the baseline, /checkin) is rendered from it too.

    A check-in that no longer exists (the person erased their data) is left out.
    """
    repository = CheckInRepository(session)
    check_ins = list((await repository.many(check_in_ids)).values())
    if not check_ins:
        return {}
    activities = await ActivityRepository(session).labels_of_many(
        {c.patient_id for c in check_ins}
    )
    answers = await repository.answers_of([c.id for c in check_ins])
    return {
        c.id: state_of(
            c,
            {a.item: a.value for a in answers[c.id]},
            activities[c.patient_id],
        )
        for c in check_ins
    }
