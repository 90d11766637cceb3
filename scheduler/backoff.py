"""Backing off when someone goes quiet, so N1 never nags.

A person who has not answered or used a command for a while gets fewer check-ins:
after 2 days every other chosen day, after 10 days weekly, and after 30 days one "the door is
open" message and then nothing until they come back. Any answer or command restores their own
schedule (see `scheduler.reachability.note_activity`), met with a "welcome back" and never
with a count of what they did not do.

"Quiet" is measured from `last_seen_at` (touched on every answer and on /start), or from when
they joined if they have not been seen since.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import IntEnum
from typing import Final

from core.domain import Patient


class BackoffLevel(IntEnum):
    """How far a quiet person's check-ins have backed off (stored in `patients.backoff_level`)."""

    NORMAL = 0
    EVERY_OTHER_DAY = 1
    WEEKLY = 2
    DOOR_OPEN = 3


EVERY_OTHER_DAY_AFTER: Final = timedelta(days=2)
WEEKLY_AFTER: Final = timedelta(days=10)
DOOR_OPEN_AFTER: Final = timedelta(days=30)


def quiet_since(patient: Patient) -> datetime:
    """When the person was last active with N1 (or joined, if never seen since)."""
    return patient.last_seen_at or patient.created_at


def level_for(quiet_for: timedelta) -> BackoffLevel:
    """The back-off level for someone quiet for `quiet_for`."""
    if quiet_for >= DOOR_OPEN_AFTER:
        return BackoffLevel.DOOR_OPEN
    if quiet_for >= WEEKLY_AFTER:
        return BackoffLevel.WEEKLY
    if quiet_for >= EVERY_OTHER_DAY_AFTER:
        return BackoffLevel.EVERY_OTHER_DAY
    return BackoffLevel.NORMAL


def level_at(patient: Patient, now: datetime) -> BackoffLevel:
    """The person's back-off level at `now`."""
    return level_for(now - quiet_since(patient))
