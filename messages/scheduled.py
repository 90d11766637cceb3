"""The words of messages N1 sends on its own: nudges, "the door is open", "welcome back",
the thanks at the end of a check-in, and the short replies to a nudge's buttons.

Variants come from the message library, chosen so that a person does not see the same one
twice in a row (the caller passes their history of library ids and logs the one used).
Every text keeps N1's tone (`messages.tone`): no blame, no "should", no streaks, no counts of
missed days.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from messages.catalogue import Catalogue
from messages.render import render
from messages.schema import Context, Kind

# The nudge's two buttons.
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


@dataclass(frozen=True)
class Chosen:
    """A text chosen from the library, and the id of the message it came from."""

    text: str
    library_id: str


def _choose(
    catalogue: Catalogue, kind: Kind, seed: int, history: Sequence[str], **values: str | int
) -> Chosen:
    message = catalogue.choose(kind, history, random.Random(seed))
    return Chosen(render(message, **values), message.id)


def nudge(catalogue: Catalogue, seed: int, history: Sequence[str], *, checkin_time: str) -> Chosen:
    """The gentle follow-up to an unanswered check-in."""
    return _choose(catalogue, Kind.NUDGE, seed, history, checkin_time=checkin_time)


def door_open(catalogue: Catalogue, seed: int, history: Sequence[str]) -> Chosen:
    """The single message after 30 quiet days; N1 then stays silent until they come back."""
    return _choose(catalogue, Kind.DOOR_OPEN, seed, history)


def welcome_back(catalogue: Catalogue, seed: int, history: Sequence[str]) -> Chosen:
    """The greeting for someone who comes back after going quiet (never the gap's length)."""
    return _choose(catalogue, Kind.WELCOME_BACK, seed, history)


def checkin_thanks(
    catalogue: Catalogue, seed: int, history: Sequence[str], *, hard_day: bool
) -> Chosen:
    """The thanks when a check-in's last item is answered: a gentle one after a hard day."""
    message = catalogue.choose(
        Kind.CHECKIN_ACK, history, random.Random(seed), conditions=Context(after_flare=hard_day)
    )
    return Chosen(message.text, message.id)


def answered_nudge(nudge_text: str, reply: str) -> str:
    """A nudge after its button was tapped: its words, then what happens next."""
    return f"{nudge_text}\n\n{reply}"
