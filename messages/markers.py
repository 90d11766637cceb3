"""How N1 words each marker: its question, its five answer labels, and its name.

Wording is N1's own; no validated questionnaire's text is reproduced. Labels run in the
order of the values, 1 to 5.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.markers import SCALE, MarkerId


@dataclass(frozen=True)
class MarkerWords:
    """A marker's question, its labels for values 1 to 5, and how a summary names it."""

    question: str
    labels: tuple[str, str, str, str, str]
    # How the weekly summary names it ("moving freely was 'fairly free' ...").
    name: str

    def label(self, value: int) -> str:
        """The words for a value on the 1-5 scale."""
        if value not in SCALE:
            raise ValueError(f"{value} is not on the 1-5 scale")
        return self.labels[value - 1]

    @property
    def title(self) -> str:
        """The name as it opens a sentence, a line or a chart panel: "Moving freely"."""
        return self.name[:1].upper() + self.name[1:]


WORDS: dict[MarkerId, MarkerWords] = {
    MarkerId.MOVING_FREELY: MarkerWords(
        "Today, how freely did your body move in everyday things?",
        ("Very stiff", "Stiff", "OK", "Fairly free", "Very free"),
        name="moving freely",
    ),
    MarkerId.CONFIDENCE: MarkerWords(
        "Right now, how much do you trust your body to handle your day?",
        ("Not at all", "A little", "Somewhat", "Quite a lot", "Fully"),
        name="trust in your body",
    ),
    MarkerId.WORRY: MarkerWords(
        "How much did worry about moving hold you back today?",
        ("Not at all", "A little", "Some", "A lot", "Completely"),
        name="worry about moving",
    ),
    MarkerId.DOING_WHAT_MATTERS: MarkerWords(
        "How much did you do today of what matters to you?",
        ("Not today", "A little", "Some", "Quite a lot", "Plenty"),
        name="doing what matters",
    ),
    MarkerId.PAIN_DOMINANCE: MarkerWords(
        "How much did pain take centre stage today?",
        ("Hardly", "A little", "Sometimes", "Mostly", "Completely"),
        name="how much pain took centre stage",
    ),
    MarkerId.SLEEP: MarkerWords(
        "How restful was last night?",
        ("Very poor", "Poor", "OK", "Good", "Very good"),
        name="sleep",
    ),
    MarkerId.ENERGY: MarkerWords(
        "How was your energy today?",
        ("Very low", "Low", "OK", "Good", "Very good"),
        name="energy",
    ),
    MarkerId.REFRAME: MarkerWords(
        "Compared with a few weeks ago, do you feel healthier and more capable?",
        ("Much less", "A bit less", "About the same", "A bit more", "Much more"),
        name="feeling healthier and more capable",
    ),
}
