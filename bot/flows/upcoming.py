"""Describing a person's next check-ins in words, in their own time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.domain import Patient
from scheduler.planning import load_zone, next_occurrence, occurrences
from scheduler.time_input import parse_time_of_day

FALLBACK_ZONE = "Europe/London"


def patient_zone(patient: Patient) -> ZoneInfo:
    """The person's zone (London if the stored name is somehow no longer known)."""
    zone = load_zone(patient.time_zone) or load_zone(FALLBACK_ZONE)
    assert zone is not None  # London is always in the pinned tz database
    return zone


def local_today(patient: Patient, now: datetime) -> date:
    """Today's date where the person is."""
    return now.astimezone(patient_zone(patient)).date()


def next_checkins(patient: Patient, now: datetime, count: int = 3) -> list[datetime]:
    """The next `count` check-in moments (UTC) for the person's current preferences."""
    at = parse_time_of_day(patient.checkin_time)
    if at is None or not patient.checkin_days:
        return []
    zone = patient_zone(patient)
    # Strictly after now: a check-in due this very minute is not "next".
    first = next_occurrence(now, at, patient.checkin_days, zone)
    return occurrences(first, at, patient.checkin_days, zone, count)


def in_words(moment: datetime, patient: Patient) -> str:
    """A moment as the person reads it: "Tuesday 5 January at 09:00"."""
    local = moment.astimezone(patient_zone(patient))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"


def next_checkins_in_words(patient: Patient, now: datetime, count: int = 3) -> list[str]:
    """The next check-ins, each in words."""
    return [in_words(moment, patient) for moment in next_checkins(patient, now, count)]
