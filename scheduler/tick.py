"""The tick: claims what has fallen due and turns it into outbox messages.

The database holds the schedule (DESIGN.md section 4): one row per person and kind with an
indexed `next_due_at`. Each tick claims due rows in batches (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several processes share the work), and for each row, in the batch's single
transaction: creates the check-in under its unique (patient, local date, slot) key, queues its
message in the outbox under the idempotency key `checkin:<check_in_id>`, and advances the row.
A kill at any point rolls the batch back whole, so nothing is lost and nothing is queued twice.
Due nudges are claimed and queued the same way. A scheduled check-in's message is queued
naming the check-in only: the dispatcher renders and signs it just before sending, where its
pace (about 30 a second) hides work that was a third of a big tick's.

The usual check-ins of a batch (an active person, not backed off to "the door is open") are
fired set-based, in the same six statements whatever the batch's size: the claim (rows and
people), their check-ins on the day, their activities, one INSERT of the check-ins, one of
the messages, and one UPDATE of the rows (an executemany). Only rare cases add one: a
check-in that already existed (its answers), a change of back-off level. The rest (pauses
that ended, stopped people, the door opening, weekly summaries) go one row at a time. If a
batch raises, its rows are tried again one per transaction, and a row that raises on its own
is set aside for a while, so it cannot block the others.

Check-ins that fell due while N1 was down are still sent if their window is open and it is not
quiet hours; otherwise they are recorded as `missed_downtime`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import Clock
from core.domain import (
    CheckInSlot,
    CheckInStatus,
    OutboxKind,
    Patient,
    PatientStatus,
    ScheduleKind,
)
from core.journey import FOCUS_PREFIX
from core.ports import OutgoingMessage
from core.store.repositories import (
    CheckInRepository,
    DeliveryRepository,
    MessageLogRepository,
    OutboxRepository,
    PatientRepository,
    ScheduleRepository,
)
from core.store.repositories.outbox import NewOutboxMessage
from core.store.repositories.schedules import DueNudge, DueSchedule, ScheduleStep
from messages.catalogue import Catalogue, load_catalogue
from messages.summary import ComposedSummary
from scheduler import texts
from scheduler.backoff import BackoffLevel, level_at, quiet_since
from scheduler.checkins import (
    BatchOpened,
    CheckInRequest,
    open_checkins,
    unrendered_payload,
)
from scheduler.local_time import local_date_of
from scheduler.nudges import nudge_message, nudge_should_go
from scheduler.planning import Slot, in_quiet_hours
from scheduler.schedules import (
    Plan,
    checkin_window,
    ensure_schedules,
    next_checkin,
    resume_from,
)
from scheduler.summaries import prepare_weekly_summary
from scheduler.summary_charts import CHART_KEY, chart_reference

logger = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE: Final = 200
DEFAULT_MAX_BATCHES: Final = 50
# Later than this after its time, a check-in counts as having fallen due while N1 was down.
LATE_AFTER: Final = timedelta(minutes=10)
# A weekly summary that could not go within this long after its time is skipped.
SUMMARY_LATE_LIMIT: Final = timedelta(hours=12)
# A row whose processing raised is tried again after this long (so it cannot block the rest).
RETRY_FAILED_AFTER: Final = timedelta(minutes=15)
# Check-ins of these slots on the day replace the scheduled one (no second check-in that day).
OTHER_SLOTS: Final = (CheckInSlot.BASELINE.value, CheckInSlot.ONDEMAND.value)

T = TypeVar("T")


@dataclass
class TickReport:
    """What one tick did (counts only; never anything a person wrote)."""

    checkins_queued: int = 0
    checkins_missed: int = 0
    nudges_queued: int = 0
    summaries_queued: int = 0
    door_open_queued: int = 0
    skipped: int = 0
    failed: int = 0
    schedules_created: int = 0
    # The tick stopped after `max_batches`: more is due right now.
    more_due: bool = False
    # When the next schedule row or nudge falls due (None: nothing is scheduled).
    next_due_at: datetime | None = None

    @property
    def queued(self) -> int:
        """Messages this tick added to the outbox."""
        return (
            self.checkins_queued
            + self.nudges_queued
            + self.summaries_queued
            + self.door_open_queued
        )

    def add(self, other: TickReport) -> None:
        """Add another report's counts to this one."""
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, item.name, value + getattr(other, item.name))


async def queue_message(
    session: AsyncSession,
    *,
    key: str,
    patient: Patient,
    kind: OutboxKind,
    message: OutgoingMessage,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
    library_id: str | None = None,
) -> bool:
    """Put a message for the person in the outbox; False if `key` was queued before."""
    payload = message.to_payload()
    payload.update(extra or {})
    if library_id is not None:
        payload["library_id"] = library_id
    _, created = await OutboxRepository(session).enqueue(
        idempotency_key=key,
        chat_id=patient.chat_id,
        kind=kind.value,
        payload=payload,
        now=now,
        patient_id=patient.id,
    )
    return created


@dataclass(frozen=True)
class _Phase(Generic[T]):
    """One kind of due work: how to claim it, fire a batch or one item, set one aside."""

    name: str
    claim: Callable[[AsyncSession, datetime, int], Awaitable[Sequence[T]]]
    fire_batch: Callable[[AsyncSession, Sequence[T], datetime, TickReport], Awaitable[None]]
    fire: Callable[[AsyncSession, T, datetime, TickReport], Awaitable[None]]
    set_aside: Callable[[AsyncSession, T, datetime], Awaitable[None]]
    ident: Callable[[T], int]


@dataclass(frozen=True, slots=True)
class _Step:
    """What firing a due check-in does: its slot, when it closes, whether it goes, what next."""

    slot: Slot
    closes_at: datetime
    # False: its window closed, or N1 came back late inside quiet hours (`missed_downtime`).
    send: bool
    following: Slot | None


@dataclass(frozen=True, slots=True)
class _Usual:
    """A due check-in of an active person that the set-based path fires."""

    due: DueSchedule
    step: _Step
    level: BackoffLevel


class Ticker:
    """Runs ticks: schedules (check-ins, summaries), then nudges; one transaction per batch."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        codec: CallbackCodec,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batches: int = DEFAULT_MAX_BATCHES,
        on_queued: Callable[[], None] | None = None,
        catalogue: Catalogue | None = None,
        pause_between_batches: float = 0.0,
    ) -> None:
        if batch_size < 1 or max_batches < 1:
            raise ValueError("batch_size and max_batches must be at least 1")
        self._session_factory = session_factory
        self._clock = clock
        self._codec = codec
        self._batch_size = batch_size
        self._max_batches = max_batches
        self._on_queued = on_queued
        self._catalogue = catalogue
        # Real seconds to wait between batches. SQLite has one writer: without a pause,
        # people's answers could wait out the busy timeout behind a long burst of batches.
        self._pause = pause_between_batches
        self._swept = False
        self._schedules: _Phase[DueSchedule] = _Phase(
            "schedule",
            self._claim_schedules,
            self._fire_schedules,
            self._fire_schedule,
            self._set_schedule_aside,
            _sid,
        )
        self._nudges: _Phase[DueNudge] = _Phase(
            "nudge",
            self._claim_nudges,
            self._fire_nudges,
            self._fire_nudge,
            self._set_nudge_aside,
            _cid,
        )

    async def tick(self) -> TickReport:
        """Fire everything due now; returns counts and when the next thing falls due."""
        report = TickReport()
        if not self._swept:
            # People set up before scheduling existed (or by a path that forgot) get rows.
            while True:
                async with self._session_factory.begin() as session:
                    created = await ensure_schedules(
                        session, self._clock.now(), limit=self._batch_size
                    )
                report.schedules_created += created
                if created < self._batch_size:
                    break
            self._swept = True
        # One short read first: most ticks find nothing due, and then need no write lock.
        schedule_due, nudge_due = await self._earliest()
        now = self._clock.now()
        ran = False
        if schedule_due is not None and schedule_due <= now:
            await self._run(self._schedules, report)
            ran = True
        if nudge_due is not None and nudge_due <= now:
            await self._run(self._nudges, report)
            ran = True
        if ran:
            schedule_due, nudge_due = await self._earliest()
        known = [moment for moment in (schedule_due, nudge_due) if moment is not None]
        report.next_due_at = min(known) if known else None
        return report

    async def _earliest(self) -> tuple[datetime | None, datetime | None]:
        """When the next schedule row and the next nudge fall due (None: nothing is)."""
        async with self._session_factory() as session:
            return (
                await ScheduleRepository(session).earliest_due(),
                await DeliveryRepository(session).earliest_nudge(),
            )

    # --- batches -------------------------------------------------------------------------

    async def _run(self, phase: _Phase[T], report: TickReport) -> None:
        for _ in range(self._max_batches):
            batch = TickReport()
            try:
                claimed = await self._batch(phase, batch)
            except Exception:
                logger.warning("tick: a %s batch failed; retrying it row by row", phase.name)
                claimed = await self._one_by_one(phase, batch)
            report.add(batch)
            if batch.queued and self._on_queued is not None:
                self._on_queued()
            # Rows advanced to a time that has already passed (after downtime, one local
            # day at a time) are claimed again, until nothing due is left.
            if claimed == 0:
                return
            # Let handlers run (and write) between batches: a burst must not stall replies.
            await asyncio.sleep(self._pause)
        report.more_due = True

    async def _batch(self, phase: _Phase[T], report: TickReport) -> int:
        now = self._clock.now()
        batch = TickReport()  # counted only once the batch has committed
        async with self._session_factory.begin() as session:
            items = await phase.claim(session, now, self._batch_size)
            await phase.fire_batch(session, items, now, batch)
        report.add(batch)
        return len(items)

    async def _one_by_one(self, phase: _Phase[T], report: TickReport) -> int:
        """Fire a failed batch's rows one per transaction, setting aside any that raise."""
        done = 0
        for _ in range(self._batch_size):
            now = self._clock.now()
            item: T | None = None
            single = TickReport()
            try:
                async with self._session_factory.begin() as session:
                    items = await phase.claim(session, now, 1)
                    if not items:
                        return done
                    item = items[0]
                    await phase.fire(session, item, now, single)
                report.add(single)
            except Exception as error:
                if item is None:
                    raise
                # Ids and the exception type only: nothing a person wrote.
                logger.exception(
                    "tick: %s %s failed (%s); trying again later",
                    phase.name,
                    phase.ident(item),
                    type(error).__name__,
                )
                async with self._session_factory.begin() as session:
                    await phase.set_aside(session, item, now)
                report.failed += 1
            done += 1
        return done

    # --- schedules -----------------------------------------------------------------------

    async def _claim_schedules(
        self, session: AsyncSession, now: datetime, limit: int
    ) -> Sequence[DueSchedule]:
        return await ScheduleRepository(session).claim_due(now=now, limit=limit)

    async def _set_schedule_aside(
        self, session: AsyncSession, due: DueSchedule, now: datetime
    ) -> None:
        await ScheduleRepository(session).advance(
            due.schedule.id,
            next_due_at=now + RETRY_FAILED_AFTER,
            due_local_date=due.schedule.due_local_date,
            now=now,
        )

    async def _fire_schedules(
        self, session: AsyncSession, dues: Sequence[DueSchedule], now: datetime, report: TickReport
    ) -> None:
        """Fire a claimed batch: the usual check-ins set-based, anything else row by row."""
        usual: list[_Usual] = []
        rest: list[DueSchedule] = []
        for due in dues:
            planned = _usual_checkin(due, now)
            if planned is None:
                rest.append(due)
            else:
                usual.append(planned)
        if usual:
            await self._fire_usual_checkins(session, usual, now, report)
        # Rows of different people do not touch each other's data; a person's summary row
        # reads answers, which a check-in opened just now does not have.
        for due in rest:
            await self._fire_schedule(session, due, now, report)

    async def _fire_usual_checkins(
        self, session: AsyncSession, usual: Sequence[_Usual], now: datetime, report: TickReport
    ) -> None:
        """What `_fire_checkin` does for each, in a fixed number of statements for them all."""
        check_ins = CheckInRepository(session)
        # One read of everyone's check-ins on their day: a baseline or on-demand one means
        # no scheduled check-in that day; a scheduled one that exists is found, not remade.
        known = await check_ins.on_dates(
            {u.due.patient.id for u in usual}, {u.step.slot.local_date for u in usual}
        )
        taken = {(c.patient_id, c.local_date) for c in known if c.slot in OTHER_SLOTS}
        firing: list[_Usual] = []
        requests: list[CheckInRequest] = []
        for item in usual:
            patient, step = item.due.patient, item.step
            if (patient.id, step.slot.local_date) in taken:
                report.skipped += 1  # onboarding's baseline or /checkin already asked today
                continue
            firing.append(item)
            requests.append(
                CheckInRequest(
                    patient=patient,
                    local_date=step.slot.local_date,
                    slot=CheckInSlot.DAILY,
                    closes_at=step.closes_at,
                    status=CheckInStatus.OPEN if step.send else CheckInStatus.MISSED_DOWNTIME,
                )
            )
        opened = await open_checkins(session, requests, now=now, known=known)
        messages: list[NewOutboxMessage] = []
        for item, result in zip(firing, opened, strict=True):
            if not item.step.send:
                report.checkins_missed += 1
            elif result.to_send:
                messages.append(_checkin_outbox(item.due.patient, result))
        queued = await OutboxRepository(session).enqueue_many(messages, now)
        report.checkins_queued += len(queued)
        schedules = ScheduleRepository(session)
        await schedules.set_backoff_levels(
            {
                item.due.patient.id: item.level
                for item in usual
                if item.level != item.due.patient.backoff_level
            }
        )
        await schedules.advance_many(
            [
                ScheduleStep(
                    item.due.schedule.id,
                    next_due_at=None if item.step.following is None else item.step.following.at,
                    due_local_date=(
                        None if item.step.following is None else item.step.following.local_date
                    ),
                )
                for item in usual
            ],
            now,
        )

    async def _fire_schedule(
        self, session: AsyncSession, due: DueSchedule, now: datetime, report: TickReport
    ) -> None:
        if due.schedule.kind is ScheduleKind.CHECKIN:
            await self._fire_checkin(session, due, now, report)
        else:
            await self._fire_summary(session, due, now, report)

    async def _advance(
        self, session: AsyncSession, due: DueSchedule, slot: Slot | None, now: datetime
    ) -> None:
        await ScheduleRepository(session).advance(
            due.schedule.id,
            next_due_at=None if slot is None else slot.at,
            due_local_date=None if slot is None else slot.local_date,
            now=now,
        )

    async def _active_patient(
        self, session: AsyncSession, due: DueSchedule, plan: Plan | None, now: datetime
    ) -> Patient | None:
        """The patient if they get messages now; otherwise advance the row and return None."""
        patient = due.patient
        start = resume_from(patient, now)
        if plan is None or start is None:
            await self._advance(session, due, None, now)
            return None
        if start > now:  # paused until later: carry on from the end of the pause
            await self._advance(session, due, next_checkin(plan, start), now)
            return None
        if patient.status is PatientStatus.PAUSED:  # the pause has ended
            resumed = await PatientRepository(session).update_status(
                patient.id, PatientStatus.ACTIVE, now
            )
            assert resumed is not None  # read in this transaction
            return resumed
        return patient

    async def _fire_checkin(
        self, session: AsyncSession, due: DueSchedule, now: datetime, report: TickReport
    ) -> None:
        plan = Plan.checkins(due.patient)
        patient = await self._active_patient(session, due, plan, now)
        if patient is None or plan is None:
            report.skipped += 1
            return
        schedules = ScheduleRepository(session)
        level = level_at(patient, now)
        if level is BackoffLevel.DOOR_OPEN:
            await self._door_open(session, patient, now, report)
            return
        step = _checkin_step(due, plan, level, now)
        slot, closes_at = step.slot, step.closes_at
        if await self._has_other_checkin(session, patient.id, slot):
            report.skipped += 1  # onboarding's baseline or /checkin already asked today
        else:
            # The batch path's code for a batch of one, so both give the same.
            request = CheckInRequest(
                patient=patient,
                local_date=slot.local_date,
                slot=CheckInSlot.DAILY,
                closes_at=closes_at,
                status=CheckInStatus.OPEN if step.send else CheckInStatus.MISSED_DOWNTIME,
            )
            (opened,) = await open_checkins(session, [request], now=now)
            if not step.send:
                report.checkins_missed += 1
            elif opened.to_send:
                queued = await OutboxRepository(session).enqueue_many(
                    [_checkin_outbox(patient, opened)], now
                )
                report.checkins_queued += len(queued)
        if level != patient.backoff_level:
            await schedules.set_backoff_level(patient.id, level)
        await self._advance(session, due, step.following, now)

    async def _has_other_checkin(self, session: AsyncSession, patient_id: int, slot: Slot) -> bool:
        return await ScheduleRepository(session).has_check_in(
            patient_id, slot.local_date, OTHER_SLOTS
        )

    async def _door_open(
        self, session: AsyncSession, patient: Patient, now: datetime, report: TickReport
    ) -> None:
        """One "the door is open" message per quiet spell, then nothing until they return."""
        schedules = ScheduleRepository(session)
        if patient.backoff_level < BackoffLevel.DOOR_OPEN:
            history = await DeliveryRepository(session).recent_library_ids(
                patient.id, OutboxKind.DOOR_OPEN.value
            )
            text = texts.door_open(patient.id, history, catalogue=self._catalogue)
            created = await queue_message(
                session,
                key=f"door_open:{patient.id}:{quiet_since(patient).isoformat()}",
                patient=patient,
                kind=OutboxKind.DOOR_OPEN,
                message=OutgoingMessage(text.text),
                now=now,
                library_id=text.library_id,
            )
            report.door_open_queued += int(created)
            await schedules.set_backoff_level(patient.id, BackoffLevel.DOOR_OPEN)
        await schedules.stop_all(patient.id, now)

    async def _fire_summary(
        self, session: AsyncSession, due: DueSchedule, now: datetime, report: TickReport
    ) -> None:
        plan = Plan.summaries(due.patient)
        patient = await self._active_patient(session, due, plan, now)
        if patient is None or plan is None:
            report.skipped += 1
            return
        slot = _current_slot(due, plan)
        quiet = in_quiet_hours(now, plan.quiet_start, plan.quiet_end, plan.zone)
        # A week without check-ins gets no summary (`prepare` returns None): nothing helps.
        prepared = None
        if now - slot.at <= SUMMARY_LATE_LIMIT and not quiet:
            prepared = await prepare_weekly_summary(
                session, patient, slot.local_date, now=now, catalogue=self._library()
            )
        if prepared is not None and prepared.composed is not None:
            await self._queue_summary(session, patient, slot.local_date, prepared.composed, now)
            report.summaries_queued += 1
        else:
            report.skipped += 1
        await self._advance(session, due, next_checkin(plan, plan.planned_at(slot)), now)

    async def _queue_summary(
        self,
        session: AsyncSession,
        patient: Patient,
        week_end: date,
        composed: ComposedSummary,
        now: datetime,
    ) -> None:
        """The chart with its caption, then the rest; the words used are logged."""
        key = f"summary:{patient.id}:{week_end.isoformat()}"
        await queue_message(
            session,
            key=key,
            patient=patient,
            kind=OutboxKind.SUMMARY,
            message=OutgoingMessage(composed.caption),
            now=now,
            extra={CHART_KEY: chart_reference(patient.id, week_end)},
        )
        if composed.follow_up:
            await queue_message(
                session,
                key=f"{key}:more",
                patient=patient,
                kind=OutboxKind.SUMMARY,
                message=OutgoingMessage(composed.follow_up),
                now=now,
            )
        used = [(message.kind.value, message.message_id) for message in composed.used]
        await MessageLogRepository(session).record(patient.id, used, now)
        # Their next typed message answers "what would you like to do a little more of?".
        await PatientRepository(session).set_awaiting_input(
            patient.id, f"{FOCUS_PREFIX}{week_end.isoformat()}", now
        )

    def _library(self) -> Catalogue:
        if self._catalogue is None:
            self._catalogue = load_catalogue()
        return self._catalogue

    # --- nudges --------------------------------------------------------------------------

    async def _claim_nudges(
        self, session: AsyncSession, now: datetime, limit: int
    ) -> Sequence[DueNudge]:
        return await DeliveryRepository(session).claim_due_nudges(now=now, limit=limit)

    async def _set_nudge_aside(self, session: AsyncSession, due: DueNudge, now: datetime) -> None:
        del now
        await DeliveryRepository(session).set_nudge(due.check_in.id, nudge_due_at=None)

    async def _fire_nudges(
        self, session: AsyncSession, dues: Sequence[DueNudge], now: datetime, report: TickReport
    ) -> None:
        for due in dues:
            await self._fire_nudge(session, due, now, report)

    async def _fire_nudge(
        self, session: AsyncSession, due: DueNudge, now: datetime, report: TickReport
    ) -> None:
        check_in, patient = due.check_in, due.patient
        delivery = DeliveryRepository(session)
        await delivery.set_nudge(check_in.id, nudge_due_at=None)
        if not nudge_should_go(check_in, patient, now) or await delivery.has_answers(check_in.id):
            report.skipped += 1
            return
        number = check_in.nudges_sent + 1
        history = await delivery.recent_library_ids(patient.id, OutboxKind.NUDGE.value)
        text = texts.nudge(
            check_in.id * 2 + number,
            history,
            checkin_time=patient.checkin_time,
            catalogue=self._catalogue,
        )
        created = await queue_message(
            session,
            key=f"nudge:{check_in.id}:{number}",
            patient=patient,
            kind=OutboxKind.NUDGE,
            message=nudge_message(self._codec, patient, check_in, text.text),
            now=now,
            extra={"nudge_for": check_in.id},
            library_id=text.library_id,
        )
        await delivery.set_nudge(check_in.id, nudge_due_at=None, nudges_sent=number)
        report.nudges_queued += int(created)


def _current_slot(due: DueSchedule, plan: Plan) -> Slot:
    """The slot a claimed row is due for (its local date as stored, else from its time)."""
    due_at = due.schedule.next_due_at
    assert due_at is not None  # claimed because it is due
    local_date = due.schedule.due_local_date or local_date_of(due_at, plan.zone)
    return Slot(local_date, due_at)


# The planning functions are pure but cost a few hundred microseconds a call (local-time
# arithmetic over several days); people who share a plan share the answers, so a batch of
# people with the same time, days and zone computes them once.
@lru_cache(maxsize=1024)
def _window_and_following(
    plan: Plan, slot: Slot, level: BackoffLevel
) -> tuple[datetime, Slot | None]:
    """When the check-in for `slot` closes, and the slot after it at this back-off level."""
    return checkin_window(plan, slot), next_checkin(plan, plan.planned_at(slot), level=level)


@lru_cache(maxsize=256)
def _quiet_at(now: datetime, start: time | None, end: time | None, zone: ZoneInfo) -> bool:
    """`in_quiet_hours`, cached in the same way (after downtime everyone is late)."""
    return in_quiet_hours(now, start, end, zone)


def _checkin_step(due: DueSchedule, plan: Plan, level: BackoffLevel, now: datetime) -> _Step:
    """What firing the due check-in does at `now`: pure, shared by both paths."""
    slot = _current_slot(due, plan)
    closes_at, following = _window_and_following(plan, slot, level)
    late = now - slot.at > LATE_AFTER
    quiet_now = late and _quiet_at(now, plan.quiet_start, plan.quiet_end, plan.zone)
    return _Step(slot, closes_at, now < closes_at and not quiet_now, following)


def _usual_checkin(due: DueSchedule, now: datetime) -> _Usual | None:
    """The row as a usual check-in for the set-based path; None for anything else.

    Usual: a check-in row of an active person with a plan, not backed off to "the door is
    open" (which stops their schedule). Everything else keeps the one-row-at-a-time path.
    """
    patient = due.patient
    if due.schedule.kind is not ScheduleKind.CHECKIN or patient.status is not PatientStatus.ACTIVE:
        return None
    plan = Plan.checkins(patient)
    level = level_at(patient, now)
    if plan is None or level is BackoffLevel.DOOR_OPEN:
        return None
    return _Usual(due, _checkin_step(due, plan, level, now), level)


def _checkin_outbox(patient: Patient, opened: BatchOpened) -> NewOutboxMessage:
    """The outbox row of a check-in to send, naming it for the dispatcher to render."""
    check_in_id = opened.check_in.id
    return NewOutboxMessage(
        idempotency_key=f"checkin:{check_in_id}",
        chat_id=patient.chat_id,
        kind=OutboxKind.CHECKIN.value,
        payload=unrendered_payload(check_in_id),
        patient_id=patient.id,
    )


def _sid(due: DueSchedule) -> int:
    return due.schedule.id


def _cid(due: DueNudge) -> int:
    return due.check_in.id
