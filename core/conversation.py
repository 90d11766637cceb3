"""What a person's next typed message is for: one typed value, one parse, one format.

Outside onboarding (whose step has a column of its own), N1 sometimes waits for something
typed: a note for a check-in, the answer to "a little more of next week?", a new value for
a setting, or the days being ticked on and off before "Done". The patient row keeps that
as short text (`patients.awaiting_input`); only this module reads or writes that text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.checkin_items import EVERY_DAY
from core.journey import Step, step_named


@dataclass(frozen=True, slots=True)
class AwaitingNote:
    """The next message is a note for this check-in ("Add a note" was tapped)."""

    check_in_id: int


@dataclass(frozen=True, slots=True)
class AwaitingFocus:
    """The next message answers "what would you like a little more of?" for this week."""

    week_end: date


@dataclass(frozen=True, slots=True)
class AwaitingSetting:
    """The next message is a new value for this setting (from /settings)."""

    step: Step


@dataclass(frozen=True, slots=True)
class PickingDays:
    """Days are being ticked on and off (a Mon=1 ... Sun=64 mask) before "Done"."""

    mask: int


Awaiting = AwaitingNote | AwaitingFocus | AwaitingSetting | PickingDays

_NOTE, _FOCUS, _SETTING, _DAYS = "note", "focus", "set", "days"


def format_awaiting(awaiting: Awaiting | None) -> str | None:
    """The stored form of `awaiting` (None: nothing is awaited)."""
    match awaiting:
        case None:
            return None
        case AwaitingNote(check_in_id):
            return f"{_NOTE}:{check_in_id}"
        case AwaitingFocus(week_end):
            return f"{_FOCUS}:{week_end.isoformat()}"
        case AwaitingSetting(step):
            return f"{_SETTING}:{step.value}"
        case PickingDays(mask):
            return f"{_DAYS}:{mask}"


def parse_awaiting(stored: str | None) -> Awaiting | None:
    """The value `format_awaiting` stored; None for nothing, or for text it never wrote."""
    kind, _, value = (stored or "").partition(":")
    if kind == _NOTE and value.isdigit():
        return AwaitingNote(int(value))
    if kind == _FOCUS:
        try:
            return AwaitingFocus(date.fromisoformat(value))
        except ValueError:
            return None
    if kind == _SETTING and (step := step_named(value)) is not None:
        return AwaitingSetting(step)
    if kind == _DAYS and value.isdigit() and int(value) <= EVERY_DAY:
        return PickingDays(int(value))
    return None
