"""Reading a time of day typed by a person: "8", "08:00", "0800", "7pm", "7.30 p.m.", "noon"."""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from typing import Final

__all__ = ["format_time_of_day", "parse_time_of_day"]

# Nobody types a time of day in more than this; longer input is refused before any work.
_MAX_INPUT_CHARS: Final = 32

_WORDS: Final[dict[str, time]] = {
    "noon": time(12, 0),
    "midday": time(12, 0),
    "12 noon": time(12, 0),
    "midnight": time(0, 0),
    "12 midnight": time(0, 0),
}

# [0-9] rather than \d: \d also matches other scripts' digits, which int() would accept.
# "7", "07", "7:30", "7.30", "7h30", each with an optional am/pm ("7pm", "7:30 p.m.").
_CLOCK: Final = re.compile(
    r"(?P<hour>[0-9]{1,2})(?:\s*[:.h]\s*(?P<minute>[0-9]{2}))?\s*(?P<half>[ap])?(?:\.?\s*m\.?)?",
    re.ASCII,
)
# "0800", "800", "1930" (military style), optionally with am/pm ("730pm").
_COMPACT: Final = re.compile(
    r"(?P<hour>[0-9]{1,2})(?P<minute>[0-9]{2})\s*(?P<half>[ap])?(?:\.?\s*m\.?)?", re.ASCII
)


def _build(hour_text: str, minute_text: str | None, half: str | None) -> time | None:
    hour = int(hour_text)
    minute = int(minute_text) if minute_text else 0
    if minute > 59:
        return None
    if half is None:
        return time(hour, minute) if hour <= 23 else None
    # 12-hour clock: 1..12 only; 12am is midnight, 12pm is noon.
    if not 1 <= hour <= 12:
        return None
    hour %= 12
    if half == "p":
        hour += 12
    return time(hour, minute)


def parse_time_of_day(text: str) -> time | None:
    """A wall-clock time from what a person typed, or None if it is not one.

    Accepts 24-hour ("08:00", "8:00", "8", "0800", "19.30") and 12-hour ("7pm", "7 pm",
    "7.30pm", "7:30 PM", "7 a.m.") forms, "noon" and "midnight". Refuses out-of-range values
    ("25:00", "7.75pm", "13pm") and anything else, without raising.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT_CHARS:
        return None
    # NFKC folds full-width digits and colons ("０８：００") into ASCII ones.
    normalised = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    if not normalised or len(normalised) > _MAX_INPUT_CHARS:
        return None
    if normalised in _WORDS:
        return _WORDS[normalised]
    for pattern in (_CLOCK, _COMPACT):
        match = pattern.fullmatch(normalised)
        if match is None:
            continue
        # A trailing "m" without "a"/"p" ("7m") is not a time.
        if match.group("half") is None and normalised.rstrip(".").endswith("m"):
            return None
        return _build(match.group("hour"), match.group("minute"), match.group("half"))
    return None


def format_time_of_day(value: time) -> str:
    """The 24-hour "HH:MM" form used in messages and the command line."""
    return value.strftime("%H:%M")
