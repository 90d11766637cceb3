"""The patient journey's vocabulary: onboarding steps, consent version, preset choices."""

from __future__ import annotations

import zoneinfo
from enum import StrEnum
from functools import cache

# Recorded with every consent decision; bump it when the consent wording changes.
CONSENT_VERSION = "2026-11"
MAX_ACTIVITIES = 3
MAX_ACTIVITY_LENGTH = 100
MAX_NOTE_LENGTH = 2000


class Step(StrEnum):
    """Onboarding steps, in order; the patient row keeps the current one."""

    CONSENT = "consent"
    ZONE = "zone"
    DAYS = "days"
    TIME = "time"
    SUMMARY_DAY = "sday"
    SUMMARY_TIME = "stime"
    QUIET = "quiet"
    ACTIVITIES = "act"


ONBOARDING_ORDER: tuple[Step, ...] = tuple(Step)


def next_step(step: Step) -> Step | None:
    """The step after `step`, or None when onboarding is complete."""
    index = ONBOARDING_ORDER.index(step)
    return ONBOARDING_ORDER[index + 1] if index + 1 < len(ONBOARDING_ORDER) else None


# Buttons offered for the time zone, most likely first for a UK physiotherapy service.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("UK (London)", "Europe/London"),
    ("Ireland (Dublin)", "Europe/Dublin"),
    ("Central Europe (Paris)", "Europe/Paris"),
    ("US East (New York)", "America/New_York"),
    ("India (Kolkata)", "Asia/Kolkata"),
    ("Australia (Sydney)", "Australia/Sydney"),
)
CHECKIN_TIMES = ("07:30", "08:00", "09:00", "12:00", "18:00", "20:00")
SUMMARY_TIMES = ("09:00", "12:00", "17:00", "18:00", "19:00", "20:00")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def zone_token(zone: str) -> str:
    """A zone name as a button-data token ("America/New_York" -> "america.new_york")."""
    return zone.lower().replace("/", ".")


@cache
def _zones_by_token() -> dict[str, str]:
    return {zone_token(zone): zone for zone in zoneinfo.available_timezones()}


def zone_from_token(token: str) -> str | None:
    """The zone a button-data token stands for, if it is a real zone."""
    return _zones_by_token().get(token)


def time_token(hhmm: str) -> str:
    """A time as a button-data token ("07:30" -> "0730")."""
    return hhmm.replace(":", "")


# `patients.awaiting_input` values: what the person's next typed message is for.
FOCUS_PREFIX = "focus:"  # "what would you like to do a little more of next week?"
