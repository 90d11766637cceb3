"""Opening a check-in: choosing its items, writing its row, and rendering its message.

Onboarding (the baseline) and /checkin (on demand) open one check-in through `open_checkin`;
the tick opens a batch of scheduled ones through `open_checkins`, in a fixed number of SQL
statements per batch. Both run inside the caller's transaction and give the same check-ins.
`open_checkin` renders its message at once (it is sent as a reply); the tick queues each
scheduled check-in's message unrendered (`unrendered_payload`), and the dispatcher renders
it from the stored check-in just before sending (`states_for_sending`): the same message.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import CallbackCodec
from core.checkin_items import activity_item, chosen_days, items_for
from core.domain import CheckIn, CheckInSlot, CheckInStatus, Patient
from core.markers import MarkerId
from core.ports import OutgoingMessage
from core.store.repositories import ActivityRepository, CheckInRepository
from core.store.repositories.check_ins import NewCheckIn
from messages.checkin_message import CheckInState, first_open_item, render_checkin

# The outbox payload key naming a check-in message's check-in (set on every one).
CHECK_IN_KEY: Final = "check_in_id"
# A check-in payload with this key set holds no message yet: the dispatcher renders it just
# before sending. Rendering and signing thousands at once would slow the tick, while the
# dispatcher's pace (about 30 a second) hides the work.
RENDER_AT_SEND: Final = "render_at_send"

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
    return list(
        _items(
            slot,
            local_date,
            patient.checkin_days,
            patient.ask_about_pain,
            patient.summary_weekday,
            tuple(sorted(activities)),
        )
    )


# Cached: a tick's batch asks the same items of everyone with the same days and activities.
@lru_cache(maxsize=1024)
def _items(
    slot: CheckInSlot,
    local_date: date,
    days_mask: int,
    ask_about_pain: bool,
    summary_weekday: int,
    positions: tuple[int, ...],
) -> tuple[str, ...]:
    own = [activity_item(position) for position in positions]
    if slot is CheckInSlot.BASELINE:
        return (*BASELINE_ITEMS, *own)
    items: list[str] = list(items_for(local_date, days_mask, include_pain=ask_about_pain))
    if slot is CheckInSlot.WEEKLY or is_weekly_day(local_date, days_mask, summary_weekday):
        items += [*own, MarkerId.REFRAME]
    return tuple(items)


# Cached: the same line for everyone in a tick's batch, and date formatting is not free.
@lru_cache(maxsize=64)
def heading(slot: CheckInSlot, local_date: date) -> str:
    """The first line of a check-in message."""
    if slot is CheckInSlot.BASELINE:
        return (
            "Your first check-in. It gives you a starting point to compare with later, "
            "so there are no right or wrong answers."
        )
    return f"Your check-in for {local_date:%A} {local_date.day} {local_date:%B}"


def state_of(
    check_in: CheckIn,
    answers: Mapping[str, int | None],
    activities: Mapping[int, str],
    *,
    showing: int | None = None,
    closing: str = "",
) -> CheckInState:
    """The state of a check-in given its answers, showing `showing` or its first open item."""
    return CheckInState(
        check_in=check_in,
        answers=answers,
        activities=activities,
        showing=showing if showing is not None else first_open_item(check_in, answers),
        heading=heading(CheckInSlot(check_in.slot), check_in.local_date),
        closing=closing,
    )


async def checkin_state(
    session: AsyncSession, check_in: CheckIn, *, showing: int | None = None, closing: str = ""
) -> CheckInState:
    """The state of a check-in as stored, showing `showing` or its first open item."""
    answers = {a.item: a.value for a in await CheckInRepository(session).answers(check_in.id)}
    activities = await ActivityRepository(session).labels(check_in.patient_id)
    return state_of(check_in, answers, activities, showing=showing, closing=closing)


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
    # A check-in created just now has no answers yet; one that existed may have some.
    answers = {} if created else {a.item: a.value for a in await check_ins.answers(check_in.id)}
    state = state_of(check_in, answers, activities)
    return OpenedCheckIn(check_in, render_checkin(state, codec), created)


@dataclass(frozen=True)
class CheckInRequest:
    """A check-in to open for a person on a local date; MISSED_DOWNTIME only records it."""

    patient: Patient
    local_date: date
    slot: CheckInSlot
    closes_at: datetime
    status: CheckInStatus = CheckInStatus.OPEN


@dataclass(frozen=True)
class BatchOpened:
    """A check-in of a batch; `to_send` when its message is to be queued (open, never sent)."""

    check_in: CheckIn
    to_send: bool


def _key(patient_id: int, local_date: date, slot: str) -> tuple[int, date, str]:
    return (patient_id, local_date, slot)


async def open_checkins(
    session: AsyncSession,
    requests: Sequence[CheckInRequest],
    *,
    now: datetime,
    known: Iterable[CheckIn] = (),
) -> list[BatchOpened]:
    """Create (or find) many check-ins at once, and say which are still to be sent.

    The set-based twin of `open_checkin`, for the tick: the result is in the order of
    `requests`, and the check-ins are the ones `open_checkin` would give. Nothing is
    rendered: the dispatcher renders each message just before it is sent
    (`states_for_sending`), the one `open_checkin` would have rendered. `known` holds
    check-ins the caller has already read (any that exist for these keys), so they are
    neither created again nor read again. Statements, whatever the number of requests: the
    activity labels, one INSERT, and only when needed a read of keys that conflicted
    without being known.
    """
    if not requests:
        return []
    check_ins = CheckInRepository(session)
    found = {_key(c.patient_id, c.local_date, c.slot): c for c in known}
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
        others = await check_ins.on_dates({key[0] for key in wanted}, {key[1] for key in wanted})
        found.update((_key(c.patient_id, c.local_date, c.slot), c) for c in others)
    found.update(created)
    opened: list[BatchOpened] = []
    for request in requests:
        key = _key(request.patient.id, request.local_date, request.slot.value)
        check_in = found.get(key)
        if check_in is None:  # pragma: no cover - the conflicting row cannot vanish
            raise RuntimeError("a check-in insert conflicted but no check-in was found")
        to_send = (
            request.status is CheckInStatus.OPEN
            and check_in.status is CheckInStatus.OPEN
            and check_in.sent_at is None
        )
        opened.append(BatchOpened(check_in, to_send))
    return opened


async def states_for_sending(
    session: AsyncSession, check_in_ids: Collection[int]
) -> dict[int, CheckInState]:
    """The states of check-ins queued unrendered, to render just before they are sent.

    Three queries whatever the number: the check-ins, their people's activity labels and
    their answers. A check-in that no longer exists (the person erased their data) is left
    out.
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
            {a.item: a.value for a in answers.get(c.id, ())},
            activities.get(c.patient_id, {}),
        )
        for c in check_ins
    }


def unrendered_payload(check_in_id: int) -> dict[str, Any]:
    """The outbox payload of a check-in message the dispatcher renders just before sending."""
    return {CHECK_IN_KEY: check_in_id, RENDER_AT_SEND: True}


def to_render_at_send(payload: Mapping[str, Any]) -> int | None:
    """The check-in an outbox payload asks to render at send time; None if it holds its
    message already (queued rendered, as before this was possible, or by another path)."""
    check_in_id = payload.get(CHECK_IN_KEY)
    if payload.get(RENDER_AT_SEND) is True and isinstance(check_in_id, int):
        return check_in_id
    return None
