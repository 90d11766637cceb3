"""The markers N1 asks about: the domain's fixed vocabulary.

Each has a stable id, stored with every answer, and a direction in which "better" lies;
values run 1 to 5. Their words (questions, answer labels, names) are N1's own and live in
`messages.markers`: no validated questionnaire's text is reproduced.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MarkerId(StrEnum):
    """Stable marker ids, stored with every answer."""

    MOVING_FREELY = "moving_freely"
    CONFIDENCE = "confidence"
    WORRY = "worry"
    DOING_WHAT_MATTERS = "doing_what_matters"
    PAIN_DOMINANCE = "pain_dominance"
    SLEEP = "sleep"
    ENERGY = "energy"
    REFRAME = "reframe"


SCALE = range(1, 6)

# The daily markers in the order the design puts them before a person: moving freely and
# doing what matters lead, pain comes last so it never leads. A check-in asks its items in
# this order and the weekly chart stacks its panels in it.
LEAD_ORDER: tuple[MarkerId, ...] = (
    MarkerId.MOVING_FREELY,
    MarkerId.DOING_WHAT_MATTERS,
    MarkerId.CONFIDENCE,
    MarkerId.WORRY,
    MarkerId.SLEEP,
    MarkerId.ENERGY,
    MarkerId.PAIN_DOMINANCE,
)


@dataclass(frozen=True)
class Marker:
    """One thing N1 asks about: which way is better, and how it is asked."""

    id: MarkerId
    higher_is_better: bool
    # Asked once a week (the reframe), not day to day.
    weekly_only: bool = False
    # About pain itself: optional, never first, mentioned last.
    is_pain: bool = False


MARKERS: dict[MarkerId, Marker] = {
    marker.id: marker
    for marker in (
        Marker(MarkerId.MOVING_FREELY, higher_is_better=True),
        Marker(MarkerId.CONFIDENCE, higher_is_better=True),
        Marker(MarkerId.WORRY, higher_is_better=False),
        Marker(MarkerId.DOING_WHAT_MATTERS, higher_is_better=True),
        Marker(MarkerId.PAIN_DOMINANCE, higher_is_better=False, is_pain=True),
        Marker(MarkerId.SLEEP, higher_is_better=True),
        Marker(MarkerId.ENERGY, higher_is_better=True),
        Marker(MarkerId.REFRAME, higher_is_better=True, weekly_only=True),
    )
}
