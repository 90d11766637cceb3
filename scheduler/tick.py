"""The tick: claims what has fallen due and turns it into outbox messages.

The database holds the schedule: one row per person and kind with an
indexed `next_due_at`. Each tick claims due rows in batches (`FOR UPDATE SKIP LOCKED` on
PostgreSQL, so several processes share the work) and fires a batch in one transaction:

- check-ins, all through `_fire_checkins`, for a batch of any size: each row is decided on
  its own (`_decide`: skip, wait out a pause, open the door, or send), then the batch is
  written set-based: the check-ins under their unique (patient, local date, slot) key, their
  messages under the idempotency key `checkin:<check_in_id>` (naming the check-in: the
  dispatcher renders it just before sending), the rows advanced;
- weekly summaries, one person at a time (`_fire_summary`): analysed, composed and queued
  with a reference to the chart the dispatcher draws at send time.

Due nudges are claimed and fired the same way. A kill at any point rolls the batch back
whole, so nothing is lost and nothing is queued twice. If a batch raises, its rows are tried
again one per transaction, and a row that raises on its own is set aside (a schedule row
for a quarter of an hour, a nudge for good), so it cannot block the others.

Check-ins that fell due while N1 was down are still sent if their window is open and it is not
quiet hours; otherwise they are recorded as `missed_downtime`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Final, Generic, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import Clock
from core.conversation import AwaitingFocus
from core.domain import (
    CheckInSlot,
    CheckInStatus,
    OutboxKind,
    Patient,
    PatientStatus,
    ScheduleKind,
)
from core.ports import OutgoingMessage
from core.store.repositories import (
    CheckInRepository,
    NudgeRepository,
    OutboxRepository,
    PatientRepository,
    ScheduleRepository,
)
from core.store.repositories.nudges import DueNudge
from core.store.repositories.outbox import NewOutboxMessage
from core.store.repositories.schedules import DueSchedule, ScheduleStep
from messages import scheduled
from messages.catalogue import Catalogue
from messages.schema import Kind
from messages.summary import ComposedSummary
from scheduler.backoff import BackoffLevel, level_at, quiet_since
from scheduler.checkins import CheckInRequest, open_checkins
from scheduler.counts import Counts
from scheduler.local_time import local_date_of
from scheduler.nudges import nudge_message, nudge_should_go
from scheduler.planning import Slot, in_quiet_hours
from scheduler.schedules import Plan, checkin_window, ensure_schedules, next_checkin, resume_from
from scheduler.summaries import prepare_weekly_summary
from scheduler.summary_charts import CHART_KEY, chart_reference
from scheduler.variants import choose_for

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
class TickReport(Counts):
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


@dataclass(frozen=True)
class _Phase(Generic[T]):
    """One kind of due work: how to claim it, fire a batch of it, and set one aside."""

    name: str
    claim: Callable[[AsyncSession, datetime, int], Awaitable[Sequence[T]]]
    fire: Callable[[AsyncSession, Sequence[T], datetime, TickReport], Awaitable[None]]
    set_aside: Callable[[AsyncSession, T, datetime], Awaitable[None]]
    ident: Callable[[T], int]


@dataclass(frozen=True, slots=True)
class _Send:
    """A due check-in to open: its slot, when it closes, and whether its message goes (False:
    its window closed, or N1 came back late inside quiet hours: `missed_downtime`)."""

    due: DueSchedule
    slot: Slot
    closes_at: datetime
    send: bool


@dataclass(frozen=True, slots=True)
class _Decision:
    """What firing one due check-in row does."""

    # Where the row moves on to (None: nothing more is scheduled).
    following: Slot | None
    # The check-in to open now, if any.
    send: _Send | None = None
    # The person is quiet long enough for "the door is open" (their schedule stops).
    door_open: bool = False
    # Their pause has ended: they become active again.
    resumes: bool = False
    level: BackoffLevel | None = None


class Ticker:
    """Runs ticks: schedules (check-ins, summaries), then nudges; one transaction per batch."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        codec: CallbackCodec,
        catalogue: Catalogue,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_batches: int = DEFAULT_MAX_BATCHES,
        on_queued: Callable[[], None] | None = None,
        pause_between_batches: float = 0.0,
    ) -> None:
        if batch_size < 1 or max_batches < 1:
            raise ValueError("batch_size and max_batches must be at least 1")
        self._session_factory = session_factory
        self._clock = clock
        self._codec = codec
        self._catalogue = catalogue
        self._batch_size = batch_size
        self._max_batches = max_batches
        self._on_queued = on_queued
        # Real seconds to wait between batches. SQLite has one writer: without a pause,
        # people's answers could wait out the busy timeout behind a long burst of batches.
        self._pause = pause_between_batches
        self._swept = False
        self._schedules: _Phase[DueSchedule] = _Phase(
            "schedule",
            _claim_schedules,
            self._fire_schedules,
            _set_schedule_aside,
            lambda due: due.schedule.id,
        )
        self._nudges: _Phase[DueNudge] = _Phase(
            "nudge",
            _claim_nudges,
            self._fire_nudges,
            _set_nudge_aside,
            lambda due: due.check_in.id,
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
        # One short read first: most ticks find nothing due, and then write nothing.
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
                await NudgeRepository(session).earliest(),
            )

    # --- batches -------------------------------------------------------------------------

    async def _run(self, phase: _Phase[T], report: TickReport) -> None:
        for _ in range(self._max_batches):
            batch = TickReport()
            try:
                claimed = await self._batch(phase, self._batch_size, batch)
            except Exception:
                logger.warning("tick: a %s batch failed; retrying it row by row", phase.name)
                batch = TickReport()
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

    async def _batch(self, phase: _Phase[T], size: int, report: TickReport) -> int:
        """Claim and fire up to `size` rows in one transaction; counted once committed."""
        now = self._clock.now()
        batch = TickReport()
        async with self._session_factory.begin() as session:
            items = await phase.claim(session, now, size)
            await phase.fire(session, items, now, batch)
        report.add(batch)
        return len(items)

    async def _one_by_one(self, phase: _Phase[T], report: TickReport) -> int:
        """Fire a failed batch's rows one per transaction, setting aside any that raise."""
        done = 0
        for _ in range(self._batch_size):
            now = self._clock.now()
            item: T | None = None
            try:
                async with self._session_factory.begin() as session:
                    items = await phase.claim(session, now, 1)
                    if not items:
                        return done
                    item = items[0]
                    single = TickReport()
                    await phase.fire(session, items, now, single)
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

    async def _fire_schedules(
        self, session: AsyncSession, dues: Sequence[DueSchedule], now: datetime, report: TickReport
    ) -> None:
        """Fire a claimed batch: every check-in row together, then each summary."""
        await self._fire_checkins(
            session,
            [due for due in dues if due.schedule.kind is ScheduleKind.CHECKIN],
            now,
            report,
        )
        # Rows of different people do not touch each other's data; a person's summary row
        # reads answers, which a check-in opened just now does not have.
        for due in dues:
            if due.schedule.kind is ScheduleKind.SUMMARY:
                await self._fire_summary(session, due, now, report)

    async def _fire_checkins(
        self, session: AsyncSession, dues: Sequence[DueSchedule], now: datetime, report: TickReport
    ) -> None:
        """Fire due check-in rows (any number): decide each, then write them all at once."""
        if not dues:
            return
        decisions = [_decide(due, now) for due in dues]
        patients = PatientRepository(session)
        for due, decision in zip(dues, decisions, strict=True):
            if decision.resumes:
                await patients.update_status(due.patient.id, PatientStatus.ACTIVE, now)
            if decision.door_open:
                await self._door_open(session, due.patient, now, report)
        sends = [decision.send for decision in decisions if decision.send is not None]
        report.skipped += sum(
            1 for decision in decisions if decision.send is None and not decision.door_open
        )
        await self._open_and_queue(session, sends, now, report)
        schedules = ScheduleRepository(session)
        await schedules.set_backoff_levels(
            {
                due.patient.id: decision.level
                for due, decision in zip(dues, decisions, strict=True)
                if decision.level is not None and decision.level != due.patient.backoff_level
            }
        )
        await schedules.advance_many(
            [
                _step(due, decision.following)
                for due, decision in zip(dues, decisions, strict=True)
            ],
            now,
        )

    async def _open_and_queue(
        self, session: AsyncSession, sends: Sequence[_Send], now: datetime, report: TickReport
    ) -> None:
        """Open the check-ins and queue the messages of those to send (set-based)."""
        if not sends:
            return
        # A baseline or on-demand check-in that day (onboarding, /checkin) means no scheduled
        # one; a scheduled one that exists already is found again when it is opened.
        others = await CheckInRepository(session).on_dates(
            {(send.due.patient.id, send.slot.local_date) for send in sends}, OTHER_SLOTS
        )
        taken = {(c.patient_id, c.local_date) for c in others}
        firing = [s for s in sends if (s.due.patient.id, s.slot.local_date) not in taken]
        report.skipped += len(sends) - len(firing)  # the baseline or /checkin asked today
        requests = [
            CheckInRequest(
                patient=send.due.patient,
                local_date=send.slot.local_date,
                slot=CheckInSlot.DAILY,
                closes_at=send.closes_at,
                status=CheckInStatus.OPEN if send.send else CheckInStatus.MISSED_DOWNTIME,
            )
            for send in firing
        ]
        opened = await open_checkins(session, requests, now=now)
        report.checkins_missed += sum(1 for send in firing if not send.send)
        to_send = [
            result.check_in.id
            for send, result in zip(firing, opened, strict=True)
            if send.send and result.to_send
        ]
        report.checkins_queued += await OutboxRepository(session).enqueue_check_ins(to_send, now)

    async def _door_open(
        self, session: AsyncSession, patient: Patient, now: datetime, report: TickReport
    ) -> None:
        """One "the door is open" message per quiet spell, then nothing until they return."""
        if patient.backoff_level < BackoffLevel.DOOR_OPEN:
            chosen = await choose_for(
                session,
                patient.id,
                Kind.DOOR_OPEN,
                now,
                lambda history: scheduled.door_open(self._catalogue, patient.id, history),
            )
            created = await OutboxRepository(session).enqueue(
                NewOutboxMessage(
                    idempotency_key=f"door_open:{patient.id}:{quiet_since(patient).isoformat()}",
                    chat_id=patient.chat_id,
                    kind=OutboxKind.DOOR_OPEN.value,
                    payload=OutgoingMessage(chosen.text).to_payload(),
                    patient_id=patient.id,
                ),
                now,
            )
            report.door_open_queued += int(created)
        await ScheduleRepository(session).stop_all(patient.id, now)

    async def _fire_summary(
        self, session: AsyncSession, due: DueSchedule, now: datetime, report: TickReport
    ) -> None:
        plan = Plan.summaries(due.patient)
        start = resume_from(due.patient, now)
        if plan is None or start is None or start > now:
            following = None if plan is None or start is None else next_checkin(plan, start)
            report.skipped += 1
        else:
            following = await self._summarise(session, due, plan, now, report)
        await ScheduleRepository(session).advance_many([_step(due, following)], now)

    async def _summarise(
        self,
        session: AsyncSession,
        due: DueSchedule,
        plan: Plan,
        now: datetime,
        report: TickReport,
    ) -> Slot | None:
        """Queue the person's summary unless it is too late, quiet hours, or a week without
        check-ins; returns the next summary's slot."""
        patient = due.patient
        if patient.status is PatientStatus.PAUSED:  # the pause has ended
            resumed = await PatientRepository(session).update_status(
                patient.id, PatientStatus.ACTIVE, now
            )
            assert resumed is not None  # read in this transaction
            patient = resumed
        slot = _current_slot(due, plan)
        quiet = in_quiet_hours(now, plan.quiet_start, plan.quiet_end, plan.zone)
        prepared = None
        if now - slot.at <= SUMMARY_LATE_LIMIT and not quiet:
            prepared = await prepare_weekly_summary(
                session, patient, slot.local_date, now=now, catalogue=self._catalogue
            )
        # A week without check-ins gets no summary: there is nothing to say that helps.
        if prepared is not None and prepared.composed is not None:
            await self._queue_summary(session, patient, slot, prepared.composed, now)
            report.summaries_queued += 1
        else:
            report.skipped += 1
        return next_checkin(plan, plan.planned_at(slot))

    async def _queue_summary(
        self,
        session: AsyncSession,
        patient: Patient,
        slot: Slot,
        composed: ComposedSummary,
        now: datetime,
    ) -> None:
        """The chart with its caption, then the rest of the summary."""
        week_end = slot.local_date
        key = f"summary:{patient.id}:{week_end.isoformat()}"
        messages = [
            NewOutboxMessage(
                idempotency_key=key,
                chat_id=patient.chat_id,
                kind=OutboxKind.SUMMARY.value,
                payload={
                    **OutgoingMessage(composed.caption).to_payload(),
                    CHART_KEY: chart_reference(patient.id, week_end),
                },
                patient_id=patient.id,
            )
        ]
        if composed.follow_up:
            messages.append(
                NewOutboxMessage(
                    idempotency_key=f"{key}:more",
                    chat_id=patient.chat_id,
                    kind=OutboxKind.SUMMARY.value,
                    payload=OutgoingMessage(composed.follow_up).to_payload(),
                    patient_id=patient.id,
                )
            )
        await OutboxRepository(session).enqueue_many(messages, now)
        # Their next typed message answers "what would you like to do a little more of?".
        await PatientRepository(session).set_awaiting(patient.id, AwaitingFocus(week_end), now)

    # --- nudges --------------------------------------------------------------------------

    async def _fire_nudges(
        self, session: AsyncSession, dues: Sequence[DueNudge], now: datetime, report: TickReport
    ) -> None:
        for due in dues:
            await self._fire_nudge(session, due, now, report)

    async def _fire_nudge(
        self, session: AsyncSession, due: DueNudge, now: datetime, report: TickReport
    ) -> None:
        check_in, patient = due.check_in, due.patient
        nudges = NudgeRepository(session)
        answered = await CheckInRepository(session).has_answers(check_in.id)
        if answered or not nudge_should_go(check_in, patient, now):
            await nudges.set(check_in.id, due_at=None)
            report.skipped += 1
            return
        number = check_in.nudges_sent + 1
        chosen = await choose_for(
            session,
            patient.id,
            Kind.NUDGE,
            now,
            lambda history: scheduled.nudge(
                self._catalogue,
                check_in.id * 2 + number,
                history,
                checkin_time=patient.checkin_time,
            ),
        )
        created = await OutboxRepository(session).enqueue(
            NewOutboxMessage(
                idempotency_key=f"nudge:{check_in.id}:{number}",
                chat_id=patient.chat_id,
                kind=OutboxKind.NUDGE.value,
                payload=nudge_message(self._codec, patient, check_in, chosen.text).to_payload(),
                patient_id=patient.id,
            ),
            now,
        )
        await nudges.set(check_in.id, due_at=None, sent=number)
        report.nudges_queued += int(created)


# --- claiming and setting aside (the phases' store side) ------------------------------------


async def _claim_schedules(
    session: AsyncSession, now: datetime, limit: int
) -> Sequence[DueSchedule]:
    return await ScheduleRepository(session).claim_due(now=now, limit=limit)


async def _set_schedule_aside(session: AsyncSession, due: DueSchedule, now: datetime) -> None:
    step = ScheduleStep(
        due.schedule.id,
        next_due_at=now + RETRY_FAILED_AFTER,
        due_local_date=due.schedule.due_local_date,
    )
    await ScheduleRepository(session).advance_many([step], now)


async def _claim_nudges(session: AsyncSession, now: datetime, limit: int) -> Sequence[DueNudge]:
    return await NudgeRepository(session).claim_due(now=now, limit=limit)


async def _set_nudge_aside(session: AsyncSession, due: DueNudge, now: datetime) -> None:
    del now
    await NudgeRepository(session).set(due.check_in.id, due_at=None)


# --- deciding (pure) -------------------------------------------------------------------------


def _decide(due: DueSchedule, now: datetime) -> _Decision:
    """What firing a due check-in row does at `now` (reads nothing, writes nothing)."""
    patient = due.patient
    plan = Plan.checkins(patient)
    start = resume_from(patient, now)
    if plan is None or start is None:  # no days chosen, stopped, unreachable: nothing due
        return _Decision(following=None)
    if start > now:  # paused until later: carry on from the end of the pause
        return _Decision(following=next_checkin(plan, start))
    resumes = patient.status is PatientStatus.PAUSED  # a pause that has ended
    level = level_at(patient, now)
    if level is BackoffLevel.DOOR_OPEN:
        return _Decision(following=None, door_open=True, resumes=resumes, level=level)
    slot = _current_slot(due, plan)
    closes_at, following = _window_and_following(plan, slot, level)
    late = now - slot.at > LATE_AFTER
    quiet_now = late and _quiet_at(now, plan.quiet_start, plan.quiet_end, plan.zone)
    send = _Send(due, slot, closes_at, now < closes_at and not quiet_now)
    return _Decision(following=following, send=send, resumes=resumes, level=level)


def _step(due: DueSchedule, following: Slot | None) -> ScheduleStep:
    """Where a fired row moves on to: the following slot (None: nothing more scheduled)."""
    if following is None:
        return ScheduleStep(due.schedule.id, next_due_at=None, due_local_date=None)
    return ScheduleStep(
        due.schedule.id, next_due_at=following.at, due_local_date=following.local_date
    )


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
