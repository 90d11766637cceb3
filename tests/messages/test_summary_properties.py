"""Property: over 1,000 random histories, every summary is kind, short enough, and leads right.

"Leads right" is checked against an independent, deliberately plain reading of the rule
(`core.progress`): a non-pain marker improved when, against the three-weeks-ago week or
the baseline (each with at least two answers, and after the first two weeks), this week's
median is at least a step better and more than half of this week's answers are each at least
a step better than the reference's median. Whenever one did, the summary leads with a
celebration of one that did; whenever none did, it does not celebrate.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence
from datetime import date, timedelta

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.markers import MARKERS, MarkerId
from core.progress import WeekAnswers, analyse
from messages.schema import CAPTION_LIMIT, TEXT_LIMIT, Kind
from messages.summary import SUMMARY_KINDS, compose_summary, summary_problems
from messages.tone import banned_phrases_in
from tests.messages.helpers import shipped

WEEK_END = date(2026, 3, 1)
DAILY = [m for m in MarkerId if not MARKERS[m].weekly_only]
ACTIVITY_WORDS = ["Walking the dog", "Gardening", "Playing with my grandson", "Swimming"]
FOCUS_WORDS = [None, "a short walk", "time in the garden", "rest on Sunday afternoons"]


@st.composite
def weeks(draw: st.DrawFn) -> WeekAnswers:
    """A random person's week: any mix of markers, periods, skips and ages."""

    def period(max_answers: int) -> dict[str, tuple[int, ...]]:
        found: dict[str, tuple[int, ...]] = {}
        for marker in [*DAILY, MarkerId.REFRAME]:
            top = 1 if MARKERS[marker].weekly_only else max_answers
            values = draw(st.lists(st.integers(1, 5), max_size=top))
            if values:
                found[marker.value] = tuple(values)
        for position in (1, 2, 3):
            rated = draw(st.lists(st.integers(0, 10), max_size=1))
            if rated:
                found[f"activity:{position}"] = tuple(rated)
        return found

    this_week = period(7)
    return WeekAnswers(
        patient_id=1,
        week_end=WEEK_END,
        baseline_start=WEEK_END - timedelta(days=draw(st.integers(0, 90))),
        this_week=this_week,
        weeks_ago=period(7),
        baseline=period(14),
        days=draw(st.integers(1 if this_week else 0, 7)),
    )


def _improved(week: WeekAnswers, marker: MarkerId) -> bool:
    """The rule, read plainly and independently of `core.progress`."""
    if week.week_end - timedelta(days=6) < week.baseline_start + timedelta(days=14):
        return False
    higher = MARKERS[marker].higher_is_better

    def good(values: Sequence[int]) -> list[int]:
        return [v if higher else 6 - v for v in values]

    now = good(week.this_week.get(marker.value, ()))
    for reference in (week.weeks_ago.get(marker.value, ()), week.baseline.get(marker.value, ())):
        then = good(reference)
        if len(now) < 2 or len(then) < 2:
            continue
        then_median = statistics.median(then)
        better_days = sum(1 for v in now if v >= then_median + 1)
        if statistics.median(now) - then_median >= 1 and better_days > len(now) / 2:
            return True
    return False


@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    week=weeks(),
    seed=st.integers(0, 2**32),
    labels=st.lists(st.sampled_from(ACTIVITY_WORDS), min_size=3, max_size=3),
    focus=st.sampled_from(FOCUS_WORDS),
    seen=st.integers(0, 40),
)
def test_every_summary_is_kind_short_and_leads_with_a_non_pain_improvement(
    week: WeekAnswers, seed: int, labels: list[str], focus: str | None, seen: int
) -> None:
    catalogue = shipped()
    pool = sorted(m.id for kind in SUMMARY_KINDS for m in catalogue.messages(kind))
    history = random.Random(seed).sample(pool, seen)
    progress = analyse(week)
    summary = compose_summary(
        progress,
        catalogue,
        random.Random(seed),
        history=history,
        activities=dict(enumerate(labels, start=1)),
        last_focus=focus,
    )

    # Kind and short: N1's words pass the tone checks; everything fits Telegram.
    assert summary_problems(summary) == []
    assert banned_phrases_in(summary.text) == []
    assert len(summary.text) <= TEXT_LIMIT
    assert 0 < len(summary.caption) <= CAPTION_LIMIT
    assert summary.used[-1].kind is Kind.NEXT_WEEK_FOCUS

    # Leads with a non-pain improvement whenever there was one, and only then.
    improved = {m for m in DAILY if not MARKERS[m].is_pain and _improved(week, m)}
    lead = summary.used[0]
    event(f"lead: {lead.kind}")
    if improved:
        assert lead.kind is Kind.CELEBRATION
        assert catalogue.get(lead.message_id).marker in improved
        assert summary.text.startswith(summary.caption)
    else:
        assert lead.kind is not Kind.CELEBRATION
