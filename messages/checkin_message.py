"""The check-in message: one item at a time, edited in place as the person answers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from core.callbacks import CallbackCodec
from core.checkin_items import ACTIVITY_SCALE, activity_position, is_activity
from core.domain import CheckIn, CheckInSlot
from core.markers import SCALE, MarkerId
from core.ports import Button, Keyboard, OutgoingMessage
from messages.markers import WORDS
from messages.when import day_in_words

SKIP_LABEL = "Skip"
BACK_LABEL = "‹ Back"
NOTE_LABEL = "Add a note"
CHANGE_LABEL = "Change an answer"


@dataclass(frozen=True)
class CheckInState:
    """Everything the message shows: the check-in, its answers so far, what is asked now.

    `answers` maps item -> value, with None for "skipped"; unanswered items are absent.
    `showing` is the item index on screen, or None once every item has an answer or a skip.
    `closing` is the line shown once every item has one (the thanks).
    """

    check_in: CheckIn
    answers: Mapping[str, int | None]
    activities: Mapping[int, str]
    showing: int | None
    closing: str = ""


BASELINE_HEADING = (
    "Your first check-in. It gives you a starting point to compare with later, "
    "so there are no right or wrong answers."
)


def heading(slot: str, local_date: date) -> str:
    """The first line of a check-in message."""
    if slot == CheckInSlot.BASELINE:
        return BASELINE_HEADING
    return f"Your check-in for {day_in_words(local_date)}"


def state_of(
    check_in: CheckIn,
    answers: Mapping[str, int | None],
    activities: Mapping[int, str],
    *,
    showing: int | None = None,
    closing: str = "",
) -> CheckInState:
    """The state of a check-in given its answers, showing `showing` or its first open item."""
    if showing is None:
        showing = first_open_item(check_in, answers)
    return CheckInState(check_in, answers, activities, showing, closing)


def first_open_item(check_in: CheckIn, answers: Mapping[str, int | None]) -> int | None:
    """The index of the first item with neither an answer nor a skip, if any."""
    for index, item in enumerate(check_in.items):
        if item not in answers:
            return index
    return None


def _activity_label(item: str, activities: Mapping[int, str]) -> str:
    return activities.get(activity_position(item), "your activity")


def question(item: str, activities: Mapping[int, str]) -> str:
    """The question for an item, in N1's own words."""
    if is_activity(item):
        label = _activity_label(item, activities)
        return (
            f"This week, how well could you do this: “{label}”?\n"
            "0 means not at all, 10 means fully, as you'd like."
        )
    return WORDS[MarkerId(item)].question


def short_name(item: str, activities: Mapping[int, str]) -> str:
    """How an item is named in the list of answers."""
    if is_activity(item):
        return _activity_label(item, activities)
    return WORDS[MarkerId(item)].title


def answer_words(item: str, value: int | None) -> str:
    """An answer in words: the label, a number out of 10, or "skipped"."""
    if value is None:
        return "skipped"
    if is_activity(item):
        return f"{value} out of 10"
    return WORDS[MarkerId(item)].label(value)


@lru_cache(maxsize=64)
def _scale(item: str) -> tuple[tuple[tuple[str, int], ...], int]:
    """An item's answer buttons as (label, value), and how many go in the first row.

    Cached: the same for everyone, and the tick renders thousands of check-ins at once.
    """
    if is_activity(item):
        return tuple((str(v), v) for v in ACTIVITY_SCALE), 6
    marker = WORDS[MarkerId(item)]
    # Three then two: five labels in one row are cut off on a phone screen.
    return tuple((marker.label(v), v) for v in SCALE), 3


def _answer_rows(
    codec: CallbackCodec, patient_id: int, check_in: CheckIn, index: int
) -> list[tuple[Button, ...]]:
    scale, first_row = _scale(check_in.items[index])
    buttons = [
        Button(label, codec.answer(patient_id, check_in.id, index, value))
        for label, value in scale
    ]
    return [tuple(buttons[:first_row]), tuple(buttons[first_row:])]


def render_checkin(state: CheckInState, codec: CallbackCodec) -> OutgoingMessage:
    """The check-in message for its current state."""
    check_in = state.check_in
    patient_id = check_in.patient_id
    lines = [heading(check_in.slot, check_in.local_date)]
    answered = [
        f"✓ {short_name(item, state.activities)}: {answer_words(item, state.answers[item])}"
        for item in check_in.items
        if item in state.answers
    ]
    if answered:
        lines.append("\n".join(answered))
    rows: list[tuple[Button, ...]] = []
    if state.showing is not None:
        index = state.showing
        item = check_in.items[index]
        lines.append(
            f"Question {index + 1} of {len(check_in.items)}\n{question(item, state.activities)}"
        )
        rows.extend(_answer_rows(codec, patient_id, check_in, index))
        controls = [Button(SKIP_LABEL, codec.answer(patient_id, check_in.id, index, None))]
        if index > 0:
            controls.append(Button(BACK_LABEL, codec.review(patient_id, check_in.id, index - 1)))
        rows.append(tuple(controls))
    else:
        if state.closing:
            lines.append(state.closing)
        rows.append(
            (
                Button(NOTE_LABEL, codec.note(patient_id, check_in.id)),
                Button(CHANGE_LABEL, codec.review(patient_id, check_in.id, 0)),
            )
        )
    keyboard: Keyboard = tuple(rows)
    return OutgoingMessage("\n\n".join(lines), keyboard)
