"""Describing a person's next check-ins in words, in their own time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.domain import Patient
from scheduler.schedules import Plan, patient_zone, preview_checkins

_JUST_AFTER = timedelta(microseconds=1)


def local_today(patient: Patient, now: datetime) -> date:
    """Today's date where the person is."""
    return now.astimezone(patient_zone(patient)).date()


def next_checkins(patient: Patient, now: datetime, count: int = 3) -> list[datetime]:
    """The next `count` check-ins (UTC), exactly as the tick will send them.

    Uses the scheduler's own preview (quiet hours included), strictly after now: a
    check-in due this very moment is not "next".
    """
    plan = Plan.checkins(patient)
    if plan is None:
        return []
    return [slot.at for slot in preview_checkins(plan, now + _JUST_AFTER, count)]


def in_words(moment: datetime, patient: Patient) -> str:
    """A moment as the person reads it: "Tuesday 5 January at 09:00"."""
    local = moment.astimezone(patient_zone(patient))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def next_checkins_in_words(patient: Patient, now: datetime, count: int = 3) -> list[str]:
    """The next check-ins, each in words."""
    return [in_words(moment, patient) for moment in next_checkins(patient, now, count)]
