"""The safety screening against phrase sets written apart from its rules.

- The tuning set (`safety_phrases/tuning/`), written alongside the rules: every message must
  be screened right. An emergency, urgent or crisis message is right when its category is
  among the categories matched (a message with more than one sign gets more than one
  signpost, and its primary category is the most pressing); an ordinary message is right
  when nothing matched, apart from a few signposted on purpose (`SIGNPOSTED_ON_PURPOSE`).
- The held-out sets (`safety_phrases/held_out/*/`), written independently and never used to
  tune the rules (`safety_phrases/README.md` says how each was made): the targets are at
  most 1 in 40 emergency or crisis messages missed, at most 1 in 10 urgent messages
  under-called (neither urgent nor emergency matched), and at most 1 in 15 ordinary
  messages signposted.

The scoring itself is in `safety_phrases/evaluation.py`, shared with `benchmarks/safety.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.safety import Category
from tests.core.safety_phrases.evaluation import (
    SIGNPOSTED_ON_PURPOSE,
    TUNING,
    evaluate,
    held_out_sets,
    over_target,
    read_set,
    report,
)

# The least the tuning set must hold, so that it keeps covering each category.
TUNING_AT_LEAST = {
    Category.EMERGENCY: 70,
    Category.URGENT: 45,
    Category.CRISIS: 70,
    Category.NONE: 160,
}


def test_every_tuning_message_is_screened_right() -> None:
    sets = read_set(TUNING)
    for category, least in TUNING_AT_LEAST.items():
        assert len(sets[category]) >= least, category
    scores = evaluate(sets)
    ordinary = scores[Category.NONE]
    assert {text for text, _ in ordinary.wrong} == SIGNPOSTED_ON_PURPOSE, report(scores)
    assert all(not score.wrong for score in scores.values() if score is not ordinary), report(
        scores
    )


def test_the_tuning_set_holds_the_sentences_and_figures_of_speech_that_must_work() -> None:
    sets = read_set(TUNING)
    assert "some days I don't see a way out" in sets[Category.CRISIS]
    assert "havent had a wee since yesterday morning" in sets[Category.EMERGENCY]
    assert "I don't see the point of carrying on" in sets[Category.CRISIS]
    assert "no numbness at all, just the usual ache" in sets[Category.NONE]
    for figure in ("this flare is murder", "I could murder a cup of tea", "my back is killing me"):
        assert figure in sets[Category.NONE]
    assert any("dead on my feet" in line for line in sets[Category.NONE])


@pytest.mark.xfail(
    strict=True,
    reason=(
        "not met yet: emergency and crisis messages phrased in ways the rules have not seen "
        "are missed more often than 1 in 40, and the third set's ordinary messages are "
        "signposted more often than 1 in 15 (benchmarks/README.md has the figures)"
    ),
)
@pytest.mark.parametrize("held_out", held_out_sets(), ids=lambda path: path.name)
def test_a_held_out_set_meets_the_targets(held_out: Path) -> None:
    scores = evaluate(read_set(held_out))
    over = over_target(scores)
    assert not over, f"over target: {', '.join(over)}\n{report(scores)}"


def test_there_are_held_out_sets_of_the_size_asked_for() -> None:
    sets = [read_set(path) for path in held_out_sets()]
    assert len(sets) >= 1
    signposted = sum(len(s[c]) for s in sets for c in s if c is not Category.NONE)
    ordinary = sum(len(s[Category.NONE]) for s in sets)
    tuning = read_set(TUNING)
    assert signposted + sum(len(tuning[c]) for c in tuning if c is not Category.NONE) >= 250
    assert ordinary + len(tuning[Category.NONE]) >= 250
