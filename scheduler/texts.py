"""The words of scheduled messages: nudges, "the door is open", "welcome back", the plain
weekly summary, and the short replies to nudge buttons.

Variants come from the message library: the running bot's catalogue (with a clinic's
overrides) when given, else the shipped `messages/library/*.yaml`, chosen so that a person does
not see the same one twice in a row. If no library can be loaded, one fixed text per kind keeps
N1 working (and a warning is logged once). Every text follows DESIGN.md section 1:
no blame, no "should", no streaks, no counts of missed days.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

from messages.catalogue import Catalogue, CatalogueError, load_catalogue
from messages.render import RenderError, render
from messages.schema import Kind

logger = logging.getLogger(__name__)

LATER_TODAY: Final = "Later today"
NOT_TODAY: Final = "Not today"

# Replies to the nudge buttons (callback answers are at most 200 characters).
LATER_OK: Final = "Okay, I'll remind you once more in a couple of hours."
LATER_TOO_LATE: Final = (
    "Okay. It's getting late, so I won't send another reminder today. "
    "Your check-in is still there if you'd like it."
)
NOT_TODAY_OK: Final = "That's fine. No more reminders today. Rest days are part of it too."
NUDGE_ALREADY_ANSWERED: Final = "Thank you, your check-in already has your answers."
NUDGE_CLOSED: Final = "This check-in has closed. There'll be another one soon."
NUDGE_ALREADY_CHOSEN: Final = "Got it, thank you."

_FALLBACK: Final[dict[Kind, str]] = {
    Kind.NUDGE: "Just a gentle nudge: today's check-in is still here if you'd like it.",
    Kind.DOOR_OPEN: (
        "Just a short note to say the door is open. If you'd like to check in again, send "
        "/checkin any time. Until then, I'll stay quiet."
    ),
    Kind.WELCOME_BACK: "Welcome back. It's good to hear from you.",
    Kind.CONSISTENCY: "You checked in on {days} this week. Thank you for making time for you.",
}


@dataclass(frozen=True)
class Text:
    """A chosen text and the library id it came from (None for the built-in fallback)."""

    text: str
    library_id: str | None = None


@cache
def _catalogue() -> Catalogue | None:
    """The message library, loaded on first use (never at import)."""
    try:
        return load_catalogue()
    except (CatalogueError, OSError) as error:
        logger.warning("no message library, using built-in texts: %s", type(error).__name__)
        return None


def _choose(
    kind: Kind,
    seed: int,
    history: Sequence[str],
    catalogue: Catalogue | None,
    **values: str | int,
) -> Text:
    catalogue = catalogue or _catalogue()
    if catalogue is not None:
        try:
            message = catalogue.choose(kind, history, random.Random(seed))
            return Text(render(message, **values), message.id)
        except (LookupError, RenderError) as error:
            logger.warning("no usable %s message in the library: %s", kind, type(error).__name__)
    return Text(_FALLBACK[kind].format(**values))


def nudge(
    seed: int,
    history: Sequence[str] = (),
    *,
    checkin_time: str,
    catalogue: Catalogue | None = None,
) -> Text:
    """The one gentle follow-up to an unanswered check-in."""
    return _choose(Kind.NUDGE, seed, history, catalogue, checkin_time=checkin_time)


def door_open(
    seed: int, history: Sequence[str] = (), *, catalogue: Catalogue | None = None
) -> Text:
    """The single message after 30 quiet days; N1 then stays silent until they come back."""
    return _choose(Kind.DOOR_OPEN, seed, history, catalogue)


def welcome_back(
    seed: int, history: Sequence[str] = (), *, catalogue: Catalogue | None = None
) -> Text:
    """The greeting for someone who comes back after going quiet (never the gap's length)."""
    return _choose(Kind.WELCOME_BACK, seed, history, catalogue)
