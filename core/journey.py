"""The patient journey's vocabulary: onboarding steps, consent version, preset choices."""

from __future__ import annotations

import zoneinfo
from enum import StrEnum
from functools import cache

# Recorded with every consent decision; bump it when the consent wording changes.
CONSENT_VERSION = "2026-12"
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


def step_named(name: str) -> Step | None:
    """The step stored or sent as `name` (None: no such step, e.g. forged button data)."""
    try:
        return Step(name)
    except ValueError:
        return None


def next_step(step: Step) -> Step | None:
    """The step after `step`, or None when onboarding is complete."""
    index = ONBOARDING_ORDER.index(step)
    return ONBOARDING_ORDER[index + 1] if index + 1 < len(ONBOARDING_ORDER) else None


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


def clean_words(text: str) -> str:
    """A person's own words, without control characters or runs of spaces.

    Line breaks, tabs and other spaces become one space each (so the words either side
    stay apart); other characters that do not print are dropped.
    """
    kept = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    return " ".join(kept.split())
