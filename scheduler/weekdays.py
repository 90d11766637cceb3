"""Chosen days of the week as an int bitmask: Mon=1, Tue=2, Wed=4, ... Sun=64.

The database stores the plain int, so every function here takes and returns `int`; the
masks `EVERY_DAY`, `WEEKDAYS` and `WEEKENDS` come from `core.checkin_items` (re-exported
here). `Weekday` only gives the bits readable names (`Weekday.MON | Weekday.FRI`).
Bit `n` is `date.weekday() == n`, so a local date's bit is `1 << local_date.weekday()`.
"""

from __future__ import annotations

import re
from datetime import date
from enum import IntFlag
from typing import Final

from core.checkin_items import EVERY_DAY, WEEKDAYS, WEEKENDS, chosen_days

__all__ = [
    "DAY_NAMES",
    "EVERY_DAY",
    "WEEKDAYS",
    "WEEKENDS",
    "Weekday",
    "contains",
    "day_bit",
    "format_weekdays",
    "is_valid_mask",
    "parse_weekdays",
    "validate_mask",
]


class Weekday(IntFlag):
    """One bit per day, Monday first, matching `date.weekday()`."""

    MON = 1
    TUE = 2
    WED = 4
    THU = 8
    FRI = 16
    SAT = 32
    SUN = 64


# Short names in bit order; used for formatting and as the canonical parse keys.
DAY_NAMES: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Every spelling a person is likely to type, mapped to the weekday number.
_DAY_WORDS: Final[dict[str, int]] = {
    **{name: n for n, name in enumerate(DAY_NAMES)},
    "monday": 0,
    "tues": 1,
    "tuesday": 1,
    "weds": 2,
    "wednesday": 2,
    "thur": 3,
    "thurs": 3,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}

# Whole-input phrases (after lowercasing and collapsing spaces).
_PHRASES: Final[dict[str, int]] = {
    "daily": EVERY_DAY,
    "every day": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
    "all days": EVERY_DAY,
    "weekdays": WEEKDAYS,
    "week days": WEEKDAYS,
    "workdays": WEEKDAYS,
    "weekends": WEEKENDS,
    "weekend": WEEKENDS,
}

# Longer than any sensible list of days: refuse early rather than regex over a novel.
_MAX_INPUT_CHARS: Final = 120
_SEPARATORS: Final = re.compile(r"(?:\s*[,;/&+]\s*|\s+and\s+|\s+)")
_RANGE: Final = re.compile(r"^([a-z]+)\s*(?:-|–|to)\s*([a-z]+)$")


def is_valid_mask(mask: int) -> bool:
    """True for a mask that chooses at least one day and has no bits beyond Sunday."""
    return isinstance(mask, int) and 0 < mask <= EVERY_DAY


def validate_mask(mask: int) -> int:
    """Return `mask` unchanged, or raise ValueError if it chooses no day or has stray bits."""
    if not is_valid_mask(mask):
        raise ValueError(f"days mask must be between 1 and {EVERY_DAY}, got {mask!r}")
    return mask


def day_bit(local_date: date) -> int:
    """The mask bit for the weekday of `local_date`."""
    return 1 << local_date.weekday()


def contains(mask: int, local_date: date) -> bool:
    """True if `local_date` (a date in the person's own zone) falls on a chosen day."""
    return bool(mask & day_bit(local_date))


def _token_days(token: str) -> int | None:
    """The mask for one token: a phrase, a day name, or a range like "mon-fri"."""
    if token in _PHRASES:
        return _PHRASES[token]
    if token in _DAY_WORDS:
        return 1 << _DAY_WORDS[token]
    match = _RANGE.match(token)
    if match is None:
        return None
    first, last = _DAY_WORDS.get(match.group(1)), _DAY_WORDS.get(match.group(2))
    if first is None or last is None:
        return None
    # Ranges may wrap the week ("fri-mon" is Fri, Sat, Sun, Mon).
    span = (last - first) % 7
    mask = 0
    for step in range(span + 1):
        mask |= 1 << ((first + step) % 7)
    return mask


def parse_weekdays(text: str) -> int | None:
    """Parse "daily", "weekdays", "weekends", "mon,wed,fri", "mon-fri", "Tuesday and Thursday".

    Returns the mask, or None if any part is not understood or no day is chosen.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT_CHARS:
        return None
    normalised = " ".join(text.lower().split())
    if not normalised:
        return None
    if normalised in _PHRASES:
        return _PHRASES[normalised]
    # Allow spaces around range dashes ("mon - fri") before splitting on spaces.
    normalised = re.sub(r"\s*(-|–)\s*", "-", normalised)
    normalised = re.sub(r"\s+to\s+", "-", normalised)
    mask = 0
    for token in _SEPARATORS.split(normalised):
        if not token:
            continue
        days = _token_days(token)
        if days is None:
            return None
        mask |= days
    return mask if is_valid_mask(mask) else None


def format_weekdays(mask: int) -> str:
    """The short form `parse_weekdays` reads back: "daily", "weekdays", "weekends", "mon,fri"."""
    validate_mask(mask)
    if mask == EVERY_DAY:
        return "daily"
    if mask == WEEKDAYS:
        return "weekdays"
    if mask == WEEKENDS:
        return "weekends"
    return ",".join(DAY_NAMES[day] for day in chosen_days(mask))
