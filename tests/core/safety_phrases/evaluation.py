"""Reading the safety phrase sets and scoring the screening against them: one place, used by
`tests/core/test_safety_phrases.py` and `benchmarks/safety.py`.

A set is a folder with `emergency.txt`, `urgent.txt`, `crisis.txt` and `none.txt`, one
message a line. A message counts as found when its category is among the categories the
screening matched (an emergency message that also reads as crisis gets both signposts, so it
is found); an urgent message also counts as found when emergency matched (it was signposted
more urgently, not missed). An ordinary message is a false alarm when anything matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from core.safety import Category, Screening, screen

PHRASES = Path(__file__).resolve().parent
TUNING = PHRASES / "tuning"
HELD_OUT = PHRASES / "held_out"
CATEGORIES: tuple[Category, ...] = (
    Category.EMERGENCY,
    Category.URGENT,
    Category.CRISIS,
    Category.NONE,
)


# The targets on a held-out set: the largest share that may be wrong, per category (missed,
# or for ordinary messages signposted). The tuning set must be all right.
TARGETS: dict[Category, float] = {
    Category.EMERGENCY: 1 / 40,
    Category.URGENT: 1 / 10,
    Category.CRISIS: 1 / 40,
    Category.NONE: 1 / 15,
}


# Ordinary messages signposted on purpose: each carries a recognised warning sign (feeling a
# burden, "fine without me", painkillers put by, rope bought), and when in doubt the crisis
# signpost is shown. Reading them apart from their everyday endings would cost more crisis
# messages than it saves ordinary ones.
SIGNPOSTED_ON_PURPOSE: frozenset[str] = frozenset(
    {
        "the world carries on fine without me at the office when I'm on leave",
        "I've been saving my painkillers for bad days as the GP suggested",
        "I feel like a burden when I ask my son for lifts",
        "I bought rope today for the washing line",
    }
)


def held_out_sets() -> list[Path]:
    """The held-out sets, one folder each under `held_out/`, in name order."""
    if not HELD_OUT.is_dir():
        return []
    return sorted(path for path in HELD_OUT.iterdir() if path.is_dir())


def over_target(scores: dict[Category, Score]) -> list[Category]:
    """The categories whose share wrong is above its held-out target."""
    return [category for category, most in TARGETS.items() if scores[category].rate > most]


def read_set(directory: Path) -> dict[Category, list[str]]:
    """Each category's messages in `directory` (blank lines skipped)."""
    sets: dict[Category, list[str]] = {}
    for category in CATEGORIES:
        text = (directory / f"{category.value}.txt").read_text(encoding="utf-8")
        sets[category] = [line.strip() for line in text.splitlines() if line.strip()]
    return sets


def found(expected: Category, screening: Screening) -> bool:
    """Whether a message written as `expected` was screened as it needs."""
    if expected is Category.NONE:
        return not screening.matched
    if expected is Category.URGENT:
        return bool({Category.URGENT, Category.EMERGENCY} & set(screening.categories))
    return expected in screening.categories


@dataclass
class Score:
    """How one category's messages fared."""

    category: Category
    total: int = 0
    wrong: list[tuple[str, Screening]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """The share missed (or, for ordinary messages, signposted)."""
        return len(self.wrong) / self.total if self.total else 0.0

    @property
    def recall(self) -> float:
        """The share found (for ordinary messages: left alone)."""
        return 1.0 - self.rate


def evaluate(sets: dict[Category, list[str]]) -> dict[Category, Score]:
    """Screen every message and score each category."""
    scores = {category: Score(category) for category in sets}
    for category, lines in sets.items():
        for line in lines:
            screening = screen(line)
            scores[category].total += 1
            if not found(category, screening):
                scores[category].wrong.append((line, screening))
    return scores


def report(scores: dict[Category, Score]) -> str:
    """Rates per category and every message screened wrongly, with what it got."""
    lines = [
        f"{score.category.value}: {len(score.wrong)}/{score.total} wrong ({score.rate:.1%})"
        for score in scores.values()
    ]
    for score in scores.values():
        for text, screening in score.wrong:
            got = ",".join(screening.categories) or "none"
            lines.append(f"  {score.category.value} -> {got} {list(screening.rules)}: {text}")
    return "\n".join(lines)
