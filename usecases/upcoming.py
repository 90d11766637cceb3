"""A person's next check-ins, in their own words and time zone."""

from __future__ import annotations

from datetime import datetime

from core.domain import Patient
from messages.when import in_words
from scheduler.schedules import patient_zone, upcoming_checkins


def next_checkins_in_words(patient: Patient, now: datetime, count: int = 3) -> list[str]:
    """The next `count` check-ins, each in words ("Tuesday 5 January at 09:00")."""
    zone = patient_zone(patient)
    return [in_words(moment, zone) for moment in upcoming_checkins(patient, now, count)]


def next_checkin_in_words(patient: Patient, now: datetime) -> str | None:
    """The next check-in in words, if any days are chosen."""
    upcoming = next_checkins_in_words(patient, now, 1)
    return upcoming[0] if upcoming else None
