"""The faster weekly analysis gives exactly the results of the plain one it replaced.

`tests.progress.reference_analysis` is the analysis as it was (sorting per comparison,
building every object through its own `__init__`, sorting the improvements to pick the lead);
`core.progress` must agree with it on every output, to the last float and type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import FrozenInstanceError, dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.markers import MARKERS, MarkerId
from core.progress import (
    Comparison,
    Direction,
    MarkerProgress,
    Reference,
    WeekAnswers,
    analyse,
    fast_constructor,
    make_week_answers,
)
from tests.progress import reference_analysis as reference

WEEK_END = date(2026, 3, 1)
ITEMS = [*(m.value for m in MarkerId), "activity:1", "activity:2", "activity:3", "other"]


@st.composite
def periods(draw: st.DrawFn, most: int) -> dict[str, Sequence[int]]:
    """Item -> values: any items, lists or tuples, sometimes empty, any order."""
    found: dict[str, Sequence[int]] = {}
    for item in draw(st.lists(st.sampled_from(ITEMS), unique=True)):
        scale = st.integers(0, 10) if item.startswith("activity") else st.integers(1, 5)
        values = draw(st.lists(scale, max_size=most))
        found[item] = tuple(values) if draw(st.booleans()) else values
    return found


@st.composite
def weeks(draw: st.DrawFn) -> WeekAnswers:
    """A person's week: any mix of answers, any age, a week ending on any day."""
    week_end = WEEK_END - timedelta(days=draw(st.integers(0, 6)))
    return WeekAnswers(
        patient_id=draw(st.integers(1, 10**6)),
        week_end=week_end,
        baseline_start=week_end - timedelta(days=draw(st.integers(-3, 120))),
        this_week=draw(periods(9)),
        weeks_ago=draw(periods(9)),
        baseline=draw(periods(18)),
        days=draw(st.integers(0, 7)),
    )


@settings(max_examples=1000, deadline=None)
@given(weeks())
def test_the_analysis_matches_the_plain_one_exactly(week: WeekAnswers) -> None:
    fast, plain = analyse(week), reference.analyse(week)
    # repr as well as ==: 3 == 3.0, but a float that became an int would show.
    assert (fast, repr(fast)) == (plain, repr(plain))
    assert fast.lead == reference.lead(plain)
    assert fast.improvements() == reference.improvements(plain)
    assert fast.improvements(include_pain=True) == reference.improvements(plain, include_pain=True)
    assert fast.pain_improved == reference.pain_improved(plain)
    for marker in fast.markers:
        assert marker.comparisons == reference.comparisons(marker)
        assert marker.improved == reference.improved(marker)
        assert marker.worsened == reference.worsened(marker)


def _comparison(reference_: Reference, steps: float, held: int) -> Comparison:
    return Comparison(
        reference=reference_,
        weeks_ago=3,
        now_value=4,
        then_value=3,
        now_median=4.0,
        then_median=3.0,
        steps=steps,
        direction=Direction.BETTER if steps > 0 else Direction.WORSE,
        answers=4,
        held=held,
    )


@pytest.mark.parametrize(
    ("then", "base"),
    [
        ((1.0, 3), (1.0, 3)),  # a tie: three weeks ago is the one kept
        ((1.0, 3), (2.0, 3)),
        ((2.0, 3), (1.0, 4)),
        ((1.0, 2), (1.0, 3)),
        ((-1.0, 3), (-2.0, 3)),
        ((-2.0, 3), (-2.0, 3)),
        ((-1.0, 3), (1.0, 3)),
    ],
)
def test_the_clearest_comparison_is_picked_as_before(
    then: tuple[float, int], base: tuple[float, int]
) -> None:
    marker = MarkerProgress(
        marker=MarkerId.SLEEP,
        answers=4,
        median=4.0,
        vs_weeks_ago=_comparison(Reference.WEEKS_AGO, *then),
        vs_baseline=_comparison(Reference.BASELINE, *base),
    )
    assert marker.improved is reference.improved(marker)
    assert marker.worsened is reference.worsened(marker)


def test_the_fast_constructor_makes_what_the_class_makes_and_it_stays_frozen() -> None:
    values: dict[str, Any] = {
        "patient_id": 7,
        "week_end": WEEK_END,
        "baseline_start": WEEK_END - timedelta(days=40),
        "this_week": {"sleep": (3, 4)},
        "weeks_ago": {},
        "baseline": {"sleep": [2]},
        "days": 2,
    }
    made = make_week_answers(**values)
    assert type(made) is WeekAnswers
    assert made == WeekAnswers(**values)
    assert repr(made) == repr(WeekAnswers(**values))
    with pytest.raises(FrozenInstanceError):
        made.days = 3  # type: ignore[misc]
    # Every field must be given: nothing is filled in behind the caller's back.
    with pytest.raises(TypeError):
        make_week_answers(**{k: v for k, v in values.items() if k != "days"})
    with pytest.raises(TypeError):
        make_week_answers(**values, extra=1)


def test_the_fast_constructor_refuses_classes_it_cannot_build_faithfully() -> None:
    @dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclass(slots=True)
    class NotFrozen:
        a: int

    @dataclass(frozen=True, slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            assert self.a > 0

    for cls in (NoSlots, NotFrozen, Checked):
        with pytest.raises(TypeError):
            fast_constructor(cls)


def test_markers_asked_once_share_their_progress_safely() -> None:
    week = WeekAnswers(
        patient_id=1,
        week_end=WEEK_END,
        baseline_start=WEEK_END - timedelta(days=50),
        this_week={"sleep": (4,), "worry": [2]},
    )
    first, second = analyse(week), analyse(week)
    assert first.markers == second.markers
    assert first.markers[0].median == 2.0  # worry comes before sleep in the design's order
    assert MARKERS[first.markers[0].marker].higher_is_better is False
