"""The markers N1 asks about: the domain's fixed vocabulary (DESIGN.md section 3).

Wording is N1's own; no validated questionnaire's text is reproduced. Values run 1 to 5 in the
order of the labels; `higher_is_better` says in which direction "better" lies.
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


@dataclass(frozen=True)
class Marker:
    """One thing N1 asks about, with its question, labels and direction."""

    id: MarkerId
    question: str
    labels: tuple[str, str, str, str, str]
    higher_is_better: bool
    # How the weekly summary names it ("moving freely was 'fairly free' ...").
    name: str
    weekly_only: bool = False
    is_pain: bool = False

    def label(self, value: int) -> str:
        """The words for a value on this marker's 1-5 scale."""
        if value not in SCALE:
            raise ValueError(f"{value} is not on the 1-5 scale")
        return self.labels[value - 1]

    def improvement(self, before: float, after: float) -> float:
        """How many scale steps `after` is better than `before` (negative when worse)."""
        change = after - before
        return change if self.higher_is_better else -change


MARKERS: dict[MarkerId, Marker] = {
    marker.id: marker
    for marker in (
        Marker(
            MarkerId.MOVING_FREELY,
            "Today, how freely did your body move in everyday things?",
            ("Very stiff", "Stiff", "OK", "Fairly free", "Very free"),
            higher_is_better=True,
            name="moving freely",
        ),
        Marker(
            MarkerId.CONFIDENCE,
            "Right now, how much do you trust your body to handle your day?",
            ("Not at all", "A little", "Somewhat", "Quite a lot", "Fully"),
            higher_is_better=True,
            name="trust in your body",
        ),
        Marker(
            MarkerId.WORRY,
            "How much did worry about moving hold you back today?",
            ("Not at all", "A little", "Some", "A lot", "Completely"),
            higher_is_better=False,
            name="worry about moving",
        ),
        Marker(
            MarkerId.DOING_WHAT_MATTERS,
            "How much did you do today of what matters to you?",
            ("Not today", "A little", "Some", "Quite a lot", "Plenty"),
            higher_is_better=True,
            name="doing what matters",
        ),
        Marker(
            MarkerId.PAIN_DOMINANCE,
            "How much did pain take centre stage today?",
            ("Hardly", "A little", "Sometimes", "Mostly", "Completely"),
            higher_is_better=False,
            name="how much pain took centre stage",
            is_pain=True,
        ),
        Marker(
            MarkerId.SLEEP,
            "How restful was last night?",
            ("Very poor", "Poor", "OK", "Good", "Very good"),
            higher_is_better=True,
            name="sleep",
        ),
        Marker(
            MarkerId.ENERGY,
            "How was your energy today?",
            ("Very low", "Low", "OK", "Good", "Very good"),
            higher_is_better=True,
            name="energy",
        ),
        Marker(
            MarkerId.REFRAME,
            "Compared with a few weeks ago, do you feel healthier and more capable?",
            ("Much less", "A bit less", "About the same", "A bit more", "Much more"),
            higher_is_better=True,
            name="feeling healthier and more capable",
            weekly_only=True,
        ),
    )
}
