"""A person's schedule: when their next check-in and weekly summary are due.

One function, `next_checkin`, decides every check-in time: the tick advances schedule rows
with it, `reschedule` uses it when preferences or status change, and `n1 schedule preview`
prints what it gives. Times are rebuilt from (local date, local time, zone) by
`scheduler.planning`, never by adding 24 hours; a time inside quiet hours moves to their end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Patient, PatientStatus, ScheduleKind
from core.store.repositories import ScheduleRepository
from scheduler.backoff import BackoffLevel
from scheduler.local_time import as_utc, local_date_of, start_of_local_day
from scheduler.planning import (
    Slot,
    end_of_quiet_hours,
    in_quiet_hours,
    next_slot,
    occurrence_on,
    outside_quiet_hours,
)
from scheduler.zone_search import load_zone

# A check-in stays open until the next one, but never longer than this.
MAX_CHECKIN_WINDOW: Final = timedelta(hours=36)
FALLBACK_ZONE: Final = "Europe/London"
_TINY: Final = timedelta(microseconds=1)
_WEEK: Final = timedelta(days=7)  # only ever added to dates


def parse_hhmm(value: str | None) -> time | None:
    """A stored "HH:MM" as a time (None if missing or malformed)."""
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        return None


def patient_zone(patient: Patient) -> ZoneInfo:
    """The person's zone (London if the stored name is somehow no longer known)."""
    return _zone_named(patient.time_zone)


def quiet_until(patient: Patient, now: datetime) -> datetime | None:
    """When the person's quiet hours end, if they are in them at `now`."""
    start, end = parse_hhmm(patient.quiet_start), parse_hhmm(patient.quiet_end)
    zone = patient_zone(patient)
    if not in_quiet_hours(now, start, end, zone):
        return None
    return end_of_quiet_hours(now, start, end, zone)


def _zone_named(name: str) -> ZoneInfo:
    zone = load_zone(name) or load_zone(FALLBACK_ZONE)
    assert zone is not None  # London is always in the pinned tz database
    return zone


@dataclass(frozen=True)
class Plan:
    """Everything that decides when a recurring message goes: days, time, zone, quiet hours."""

    zone: ZoneInfo
    local_time: time
    days_mask: int
    quiet_start: time | None = None
    quiet_end: time | None = None

    @classmethod
    def checkins(cls, patient: Patient) -> Plan | None:
        """The person's check-in plan (None if they chose no days)."""
        return _checkin_plan(
            patient.checkin_time,
            patient.checkin_days,
            patient.time_zone,
            patient.quiet_start,
            patient.quiet_end,
        )

    @classmethod
    def summaries(cls, patient: Patient) -> Plan | None:
        """The person's weekly summary plan: one chosen day."""
        at = parse_hhmm(patient.summary_time)
        if at is None or not 0 <= patient.summary_weekday <= 6:
            return None
        return cls(
            patient_zone(patient),
            at,
            1 << patient.summary_weekday,
            parse_hhmm(patient.quiet_start),
            parse_hhmm(patient.quiet_end),
        )

    def out_of_quiet_hours(self, slot: Slot) -> Slot:
        """The slot, moved to the end of quiet hours if it falls inside them."""
        at = outside_quiet_hours(slot.at, self.quiet_start, self.quiet_end, self.zone)
        return Slot(slot.local_date, at)

    def planned_at(self, slot: Slot) -> datetime:
        """When the slot's local time happens, before any move out of quiet hours."""
        return occurrence_on(slot.local_date, self.local_time, self.zone) or slot.at


# Cached: people with the same preferences share a plan (it is immutable), and the tick
# asks for thousands of them at once.
@lru_cache(maxsize=1024)
def _checkin_plan(
    checkin_time: str, checkin_days: int, time_zone: str, quiet_start: str, quiet_end: str
) -> Plan | None:
    at = parse_hhmm(checkin_time)
    if at is None or not checkin_days:
        return None
    return Plan(
        _zone_named(time_zone), at, checkin_days, parse_hhmm(quiet_start), parse_hhmm(quiet_end)
    )


def next_checkin(
    plan: Plan, after: datetime, *, level: BackoffLevel = BackoffLevel.NORMAL
) -> Slot | None:
    """The next occurrence whose planned local time is strictly after `after`.

    `level` thins the schedule for someone who has gone quiet: every other chosen day, or
    weekly (the first chosen day at least 7 local days on); at `DOOR_OPEN` nothing is due.
    The result's `at` is moved to the end of quiet hours if the time falls inside them; its
    `local_date` is the chosen day, which the check-in's unique key uses.
    """
    if level is BackoffLevel.DOOR_OPEN:
        return None
    slot = next_slot(after, plan.local_time, plan.days_mask, plan.zone)
    if level is BackoffLevel.EVERY_OTHER_DAY:
        slot = next_slot(slot.at, plan.local_time, plan.days_mask, plan.zone)
    elif level is BackoffLevel.WEEKLY:
        first_day = local_date_of(as_utc(after), plan.zone) + _WEEK
        start = start_of_local_day(first_day, plan.zone)
        while slot.local_date < first_day:
            after_start = max(slot.at, start - _TINY)
            slot = next_slot(after_start, plan.local_time, plan.days_mask, plan.zone)
    return plan.out_of_quiet_hours(slot)


def preview_checkins(plan: Plan, start: datetime, count: int) -> list[Slot]:
    """The first `count` check-ins at or after `start`, exactly as the tick would fire them."""
    slots: list[Slot] = []
    after = as_utc(start) - _TINY
    while len(slots) < count:
        slot = next_checkin(plan, after)
        if slot is None:
            break
        slots.append(slot)
        after = plan.planned_at(slot)
    return slots


def checkin_window(plan: Plan, slot: Slot) -> datetime:
    """When the check-in for `slot` closes: at the next one, and at most 36 hours on."""
    following = next_checkin(plan, plan.planned_at(slot))
    latest = slot.at + MAX_CHECKIN_WINDOW
    return latest if following is None else min(following.at, latest)


def upcoming_checkins(patient: Patient, now: datetime, count: int) -> list[datetime]:
    """The person's next `count` check-ins strictly after `now` (UTC), as the tick fires them."""
    plan = Plan.checkins(patient)
    if plan is None:
        return []
    return [slot.at for slot in preview_checkins(plan, now + _TINY, count)]


def local_today(patient: Patient, now: datetime) -> date:
    """Today's date where the person is."""
    return local_date_of(now, patient_zone(patient))


def end_of_local_day(patient: Patient, now: datetime) -> datetime:
    """The moment the person's local day ends (their next midnight)."""
    zone = patient_zone(patient)
    return start_of_local_day(local_date_of(now, zone) + timedelta(days=1), zone)


def window_from(patient: Patient, opened_at: datetime) -> datetime:
    """When a check-in opened outside the schedule (baseline, /checkin) closes.

    The same rule as `checkin_window`: at the next scheduled check-in, at most 36 hours on.
    """
    latest = opened_at + MAX_CHECKIN_WINDOW
    plan = Plan.checkins(patient)
    following = None if plan is None else next_checkin(plan, opened_at)
    return latest if following is None else min(following.at, latest)


def active_at(patient: Patient, now: datetime) -> bool:
    """Whether the person gets scheduled messages at `now` (a pause that ended counts)."""
    if patient.status is PatientStatus.ACTIVE:
        return True
    return (
        patient.status is PatientStatus.PAUSED
        and patient.paused_until_at is not None
        and patient.paused_until_at <= now
    )


def resume_from(patient: Patient, now: datetime) -> datetime | None:
    """From when the person's schedule runs: now, the end of their pause, or never (None)."""
    if active_at(patient, now):
        return now
    if patient.status is PatientStatus.PAUSED and patient.paused_until_at is not None:
        return patient.paused_until_at
    return None


async def reschedule(session: AsyncSession, patient: Patient, now: datetime) -> None:
    """Recompute the person's next check-in and summary times, in the caller's transaction.

    Call it whenever preferences or status change. Paused people are scheduled from the end
    of their pause; stopped, unreachable and onboarding people get nothing.
    """
    schedules = ScheduleRepository(session)
    start = resume_from(patient, now)
    checkin_plan = Plan.checkins(patient)
    summary_plan = Plan.summaries(patient)
    checkin = None if start is None or checkin_plan is None else next_checkin(checkin_plan, start)
    summary = None if start is None or summary_plan is None else next_checkin(summary_plan, start)
    for kind, slot in ((ScheduleKind.CHECKIN, checkin), (ScheduleKind.SUMMARY, summary)):
        await schedules.set(
            patient.id,
            kind,
            next_due_at=None if slot is None else slot.at,
            due_local_date=None if slot is None else slot.local_date,
            now=now,
        )


async def ensure_schedules(session: AsyncSession, now: datetime, *, limit: int = 1000) -> int:
    """Give schedule rows to active or paused people who have none; returns how many."""
    missing = await ScheduleRepository(session).patients_without_schedules(limit=limit)
    for patient in missing:
        await reschedule(session, patient, now)
    return len(missing)
