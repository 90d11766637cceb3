"""The N=1 analysis on hand-built histories: improving, worsening, flat, sparse, gaps, flares."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import FrozenInstanceError
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.markers import MARKERS, MarkerId
from core.progress import (
    DAILY_MARKERS,
    FLARE_MARKERS,
    MIN_ANSWERS,
    SCALE_STEP,
    Comparison,
    DayAnswer,
    Direction,
    MarkerProgress,
    Reference,
    WeekAnswers,
    WeeklyProgress,
    analyse,
    chart_data,
    compare,
    median,
)
from tests.progress.histories import JOINED, WEEK_END, days_back, history, week_of

MF = MarkerId.MOVING_FREELY


def test_improving_moving_freely_leads_with_words_from_both_weeks() -> None:
    progress = analyse(
        history(
            week_of(MF, [2, 2, 2, 1, 2], weeks_back=3),  # "Stiff" three weeks ago
            week_of(MF, [2, 1, 2], weeks_back=4),
            week_of(MF, [4, 4, 3, 4, 5]),  # mostly "Fairly free" now
        )
    )
    assert not progress.building_baseline
    lead = progress.lead
    assert lead is not None
    marker, comparison = lead
    assert marker.marker is MF
    assert comparison.direction is Direction.BETTER
    assert (comparison.now_value, comparison.then_value) == (4, 2)
    assert comparison.steps == 2
    # Both references improved; the three-weeks-ago one wins a tie on steps and share.
    assert marker.vs_baseline is not None
    assert marker.vs_baseline.direction is Direction.BETTER
    assert comparison.held == 5
    assert comparison.answers == 5
    assert not progress.flare


def test_one_good_day_in_a_flat_week_is_not_a_change() -> None:
    # The median moved (3 -> 4) but only 2 of 4 answers were a step better: not held.
    progress = analyse(history(week_of(MF, [3, 3, 3, 3], weeks_back=3), week_of(MF, [4, 4, 3, 3])))
    comparison = progress.marker(MF).vs_weeks_ago  # type: ignore[union-attr]
    assert comparison is not None
    assert comparison.steps == 0.5
    assert comparison.direction is Direction.STEADY
    assert progress.lead is None


def test_a_step_held_on_most_days_counts() -> None:
    # 3 of 4 answers a full step better: held, and the median moved by a step.
    comparison = compare(MF, [4, 4, 4, 3], [3, 3, 3], Reference.WEEKS_AGO, 3)
    assert comparison is not None
    assert comparison.direction is Direction.BETTER
    assert comparison.held == 3


def test_half_a_step_is_never_a_change_even_when_every_day_agrees() -> None:
    # Reference median 2.5: a day needs 3.5, i.e. 4, to be a step better.
    comparison = compare(MF, [3, 3, 3], [2, 3], Reference.WEEKS_AGO, 3)
    assert comparison is not None
    assert comparison.direction is Direction.STEADY


def test_lower_is_better_markers_improve_downwards() -> None:
    worry = MarkerId.WORRY
    progress = analyse(
        history(week_of(worry, [4, 4, 5, 4], weeks_back=3), week_of(worry, [2, 2, 3, 2]))
    )
    marker = progress.marker(worry)
    assert marker is not None
    assert marker.improved is not None
    assert marker.improved.direction is Direction.BETTER
    # Worry "A little" (2) now, "A lot" (4) then: the values as answered, not flipped.
    assert (marker.improved.now_value, marker.improved.then_value) == (2, 4)
    assert marker.improved.steps == 2


def test_words_never_overstate_a_change() -> None:
    # Medians 4.5 now and 2.5 then: the labels are rounded toward each other, 4 and 3.
    comparison = compare(MF, [4, 5, 5, 4], [2, 3, 3, 2], Reference.WEEKS_AGO, 3)
    assert comparison is not None
    assert comparison.direction is Direction.BETTER
    assert (comparison.now_value, comparison.then_value) == (4, 3)


def test_worsening_is_counted_and_never_leads() -> None:
    progress = analyse(
        history(
            week_of(MarkerId.SLEEP, [4, 4, 4, 4], weeks_back=3),
            week_of(MarkerId.SLEEP, [2, 2, 3, 2]),
        )
    )
    sleep = progress.marker(MarkerId.SLEEP)
    assert sleep is not None
    assert sleep.worsened is not None
    assert sleep.worsened.direction is Direction.WORSE
    assert progress.lead is None
    # Sleep is not a flare marker.
    assert not progress.flare


def test_flat_weeks_have_no_lead_and_no_flare() -> None:
    progress = analyse(
        history(
            week_of(MF, [3, 3, 3, 3], weeks_back=4),
            week_of(MF, [3, 3, 3, 3], weeks_back=3),
            week_of(MF, [3, 3, 4, 3]),
        )
    )
    assert not progress.building_baseline
    assert progress.comparable
    assert progress.lead is None
    assert not progress.flare
    marker = progress.marker(MF)
    assert marker is not None
    assert {c.direction for c in marker.comparisons} == {Direction.STEADY}


def test_a_flare_week_is_pain_or_moving_freely_clearly_worse() -> None:
    pain = MarkerId.PAIN_DOMINANCE
    progress = analyse(
        history(
            week_of(pain, [2, 2, 2, 1], weeks_back=3),
            week_of(pain, [4, 5, 4, 3]),
            # Trust in the body still improved: the summary leads with that.
            week_of(MarkerId.CONFIDENCE, [2, 2, 2], weeks_back=3),
            week_of(MarkerId.CONFIDENCE, [4, 4, 3]),
        )
    )
    assert progress.flare
    assert progress.lead is not None
    assert progress.lead[0].marker is MarkerId.CONFIDENCE
    assert progress.pain_improved is None


def test_moving_freely_much_stiffer_is_a_flare_too() -> None:
    progress = analyse(history(week_of(MF, [4, 4, 4], weeks_back=3), week_of(MF, [1, 2, 1, 2, 2])))
    assert progress.flare
    assert progress.lead is None


def test_pain_improving_is_never_the_lead_but_is_reported_last() -> None:
    pain = MarkerId.PAIN_DOMINANCE
    progress = analyse(
        history(week_of(pain, [4, 4, 4, 5], weeks_back=3), week_of(pain, [2, 2, 3, 2]))
    )
    assert progress.lead is None
    assert progress.pain_improved is not None
    assert progress.improvements(include_pain=True)[0][0].marker is pain


def test_sparse_weeks_are_not_compared() -> None:
    # One answer this week, or one in the reference: nothing counts.
    progress = analyse(history(week_of(MF, [1, 1, 1], weeks_back=3), week_of(MF, [5])))
    marker = progress.marker(MF)
    assert marker is not None
    assert marker.answers == 1
    assert marker.comparisons == ()
    assert progress.building_baseline  # nothing could be compared
    assert not progress.in_first_weeks
    assert compare(MF, [5, 5], [1], Reference.WEEKS_AGO, 3) is None


def test_gaps_and_skips_are_not_answers_and_never_count_against_anyone() -> None:
    week = history(
        week_of(MF, [2, None, 2, None, 2], weeks_back=3),
        # Skipped days this week still count as days with a check-in.
        week_of(MF, [None, 4, None, 4, None, 5]),
    )
    assert week.days == 6
    assert week.this_week[MF] == (4, 4, 5)
    progress = analyse(week)
    assert progress.days == 6
    assert progress.lead is not None


def test_a_week_with_nothing_answered() -> None:
    progress = analyse(history(week_of(MF, [None, None])))
    assert progress.days == 2
    assert progress.markers == ()
    assert progress.building_baseline


def test_the_first_two_weeks_build_a_baseline() -> None:
    joined = WEEK_END - timedelta(days=10)
    progress = analyse(
        history(
            week_of(MF, [1, 1, 1], weeks_back=1),
            week_of(MF, [5, 5, 5]),
            joined=joined,
        )
    )
    assert progress.in_first_weeks
    assert progress.building_baseline
    assert progress.lead is None
    assert progress.reframe_before is None


def test_week_three_compares_with_the_baseline_only() -> None:
    joined = WEEK_END - timedelta(days=20)
    progress = analyse(
        history(
            week_of(MF, [2, 2, 2, 2, 2, 2, 2], weeks_back=2),
            week_of(MF, [2, 2, 3, 2, 2], weeks_back=1),
            week_of(MF, [4, 4, 4]),
            joined=joined,
        )
    )
    assert not progress.in_first_weeks
    lead = progress.lead
    assert lead is not None
    assert lead[1].reference is Reference.BASELINE
    assert lead[1].weeks_ago == 2
    assert lead[0].vs_weeks_ago is None


def test_the_clearest_improvement_leads() -> None:
    progress = analyse(
        history(
            week_of(MF, [3, 3, 3], weeks_back=3),
            week_of(MF, [4, 4, 4]),  # one step
            week_of(MarkerId.SLEEP, [1, 1, 2], weeks_back=3),
            week_of(MarkerId.SLEEP, [4, 4, 4]),  # three steps
        )
    )
    assert [m.marker for m, _ in progress.improvements()] == [MarkerId.SLEEP, MF]


def test_activities_compare_by_two_points_on_their_own_scale() -> None:
    progress = analyse(
        history(
            week_of("activity:1", [3], weeks_back=3),
            week_of("activity:1", [6]),
            week_of("activity:2", [5], weeks_back=3),
            week_of("activity:2", [6]),
            week_of("activity:3", [7]),
        )
    )
    first, second, third = progress.activities
    assert (first.now, first.then, first.direction) == (6, 3, Direction.BETTER)
    assert first.change == 3
    assert second.direction is Direction.STEADY
    assert (third.now, third.then, third.reference) == (7, None, None)
    assert third.change is None


def test_reframe_answers_this_week_and_before() -> None:
    progress = analyse(
        history(
            [DayAnswer("reframe", days_back(0), 4)],
            [DayAnswer("reframe", days_back(21), 2)],
        )
    )
    assert (progress.reframe_now, progress.reframe_before) == (4, 2)


def test_median() -> None:
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 2, 3]) == 2.5
    with pytest.raises(IndexError):
        median([])


def test_weeks_and_baseline_windows_follow_the_rules() -> None:
    week = history(
        [DayAnswer(MF, days_back(6), 3), DayAnswer(MF, days_back(7), 1)],
        [DayAnswer(MF, days_back(21), 2), DayAnswer(MF, days_back(27), 2)],
        [DayAnswer(MF, days_back(28), 5), DayAnswer(MF, JOINED, 5)],
    )
    assert week.week_start == days_back(6)
    assert week.this_week[MF] == (3,)
    assert sorted(week.weeks_ago[MF]) == [2, 2]
    # Baseline: everything before 14 days after joining (days 34 to 21 back).
    assert sorted(week.baseline[MF]) == [2, 2, 5, 5]


def test_chart_data_has_a_median_per_week_and_gaps() -> None:
    answers = [
        *week_of(MF, [1, 3, 5]),
        *week_of(MF, [2, 2], weeks_back=2),
        *week_of(MarkerId.WORRY, [None, None]),
        *week_of("activity:1", [7]),
        *week_of(MF, [4], weeks_back=9),  # before the chart's 8 weeks
    ]
    data = chart_data(answers, WEEK_END)
    assert len(data.week_starts) == 8
    assert data.week_starts[-1] == days_back(6)
    assert data.series[MF] == (None, None, None, None, None, 2.0, None, 3.0)
    # Only markers with an answer get a series (skips are not answers).
    assert set(data.series) == {MF}
    with pytest.raises(ValueError, match="at least one week"):
        chart_data(answers, WEEK_END, weeks=0)


# ---------------------------------------------------------------------------------------------
# Picking the clearest comparison and the lead


def _comparison(reference: Reference, steps: float, held: int, answers: int = 4) -> Comparison:
    return Comparison(
        reference=reference,
        weeks_ago=3,
        now_value=4,
        then_value=3,
        now_median=4.0,
        then_median=3.0,
        steps=steps,
        direction=Direction.BETTER if steps > 0 else Direction.WORSE,
        answers=answers,
        held=held,
    )


def _sleep(then: tuple[float, int], base: tuple[float, int]) -> MarkerProgress:
    return MarkerProgress(
        marker=MarkerId.SLEEP,
        answers=4,
        median=4.0,
        vs_weeks_ago=_comparison(Reference.WEEKS_AGO, *then),
        vs_baseline=_comparison(Reference.BASELINE, *base),
    )


@pytest.mark.parametrize(
    ("then", "base", "improved"),
    [
        ((1.0, 3), (1.0, 3), Reference.WEEKS_AGO),  # a tie: three weeks ago is kept
        ((1.0, 3), (2.0, 3), Reference.BASELINE),  # more steps
        ((2.0, 3), (1.0, 4), Reference.WEEKS_AGO),  # steps before how well it held
        ((1.0, 2), (1.0, 3), Reference.BASELINE),  # same steps, held on more days
        ((-1.0, 3), (1.0, 3), Reference.BASELINE),  # the only improvement
        ((-1.0, 3), (-2.0, 3), None),
    ],
)
def test_the_clearest_improvement_is_bigger_then_better_held_then_more_recent(
    then: tuple[float, int], base: tuple[float, int], improved: Reference | None
) -> None:
    found = _sleep(then, base).improved
    assert (None if found is None else found.reference) == improved


@pytest.mark.parametrize(
    ("then", "base", "worsened"),
    [
        ((-1.0, 3), (-2.0, 3), Reference.BASELINE),  # the bigger worsening
        ((-2.0, 3), (-2.0, 4), Reference.WEEKS_AGO),  # a tie: three weeks ago is kept
        ((-1.0, 3), (1.0, 3), Reference.WEEKS_AGO),
        ((1.0, 3), (2.0, 3), None),
    ],
)
def test_the_clearest_worsening_is_the_biggest(
    then: tuple[float, int], base: tuple[float, int], worsened: Reference | None
) -> None:
    found = _sleep(then, base).worsened
    assert (None if found is None else found.reference) == worsened


def test_equally_clear_improvements_follow_the_designs_marker_order() -> None:
    # Sleep and moving freely both improved by one step on every day: moving freely leads.
    progress = analyse(
        history(
            week_of(MarkerId.SLEEP, [3, 3, 3], weeks_back=3),
            week_of(MarkerId.SLEEP, [4, 4, 4]),
            week_of(MF, [3, 3, 3], weeks_back=3),
            week_of(MF, [4, 4, 4]),
        )
    )
    assert [m.marker for m, _ in progress.improvements()] == [MF, MarkerId.SLEEP]
    assert progress.lead is not None
    assert progress.lead[0].marker is MF


def test_markers_come_in_the_designs_order_with_their_typical_values() -> None:
    week = WeekAnswers(
        patient_id=1,
        week_end=WEEK_END,
        baseline_start=WEEK_END - timedelta(days=50),
        # Lists or tuples, in any order: both are read the same way.
        this_week={"sleep": (4,), "worry": [2, 1, 3, 3], "activity:2": [7]},
    )
    first, second = analyse(week), analyse(week)
    assert first == second
    assert [(m.marker, m.answers, m.median) for m in first.markers] == [
        (MarkerId.WORRY, 4, 2.5),
        (MarkerId.SLEEP, 1, 4.0),
    ]
    with pytest.raises(FrozenInstanceError):
        first.days = 3  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# The rules hold for any week


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


def _check_comparison(comparison: Comparison, now: Sequence[int]) -> None:
    assert comparison.answers == len(now) >= MIN_ANSWERS
    if comparison.direction is Direction.BETTER:
        assert comparison.steps >= SCALE_STEP
    if comparison.direction is Direction.WORSE:
        assert comparison.steps <= -SCALE_STEP
    if comparison.direction is not Direction.STEADY:
        # Held: a full step on more than half of this week's answers.
        assert comparison.held * 2 > comparison.answers
        assert comparison.held >= MIN_ANSWERS
    # The words never say more than the medians do.
    assert abs(comparison.now_value - comparison.then_value) <= abs(
        comparison.now_median - comparison.then_median
    )


def _check_week(week: WeekAnswers, progress: WeeklyProgress) -> None:
    assert (progress.week_start, progress.week_end) == (week.week_start, week.week_end)
    assert progress.days == week.days
    asked = [m for m in DAILY_MARKERS if week.this_week.get(m)]
    assert [m.marker for m in progress.markers] == asked
    for marker in progress.markers:
        now = week.this_week[marker.marker]
        assert marker.answers == len(now)
        assert marker.median == median(now)
        if progress.in_first_weeks:
            assert marker.comparisons == ()
        for comparison in marker.comparisons:
            _check_comparison(comparison, now)
    # Comparisons need enough answers this week: without them, the week builds a baseline.
    if progress.in_first_weeks or all(len(now) < MIN_ANSWERS for now in week.this_week.values()):
        assert progress.building_baseline
        assert not any(m.comparisons for m in progress.markers)
    assert progress.flare == any(
        m.worsened is not None for m in progress.markers if m.marker in FLARE_MARKERS
    )
    lead = progress.lead
    if progress.building_baseline:
        assert lead is None
        assert progress.pain_improved is None
    if lead is not None:
        assert not MARKERS[lead[0].marker].is_pain
        assert lead == progress.improvements()[0]
        assert lead[1].direction is Direction.BETTER
    # Pain is only ever among the improvements when asked for.
    assert all(not MARKERS[m.marker].is_pain for m, _ in progress.improvements())
    assert len(progress.improvements(include_pain=True)) >= len(progress.improvements())


@settings(max_examples=500, deadline=None)
@given(weeks())
def test_every_week_follows_the_rules(week: WeekAnswers) -> None:
    _check_week(week, analyse(week))


@given(
    now=st.lists(st.integers(1, 5), max_size=9),
    then=st.lists(st.integers(1, 5), max_size=18),
)
def test_lower_is_better_is_the_mirror_of_higher_is_better(
    now: list[int], then: list[int]
) -> None:
    # The same answers to worry (lower is better) and to moving freely (higher is better).
    higher = compare(MF, now, then, Reference.WEEKS_AGO, 3)
    lower = compare(MarkerId.WORRY, now, then, Reference.WEEKS_AGO, 3)
    if higher is None or lower is None:
        assert higher is lower is None
        assert min(len(now), len(then)) < MIN_ANSWERS
        return
    mirror = {
        Direction.BETTER: Direction.WORSE,
        Direction.WORSE: Direction.BETTER,
        Direction.STEADY: Direction.STEADY,
    }
    assert lower.direction is mirror[higher.direction]
    assert lower.steps == -higher.steps
    # The values are named as answered, whichever way is better.
    assert (lower.now_median, lower.then_median) == (higher.now_median, higher.then_median)
    if higher.now_median != higher.then_median:
        assert (lower.now_value, lower.then_value) == (higher.now_value, higher.then_value)
    else:  # equal medians between two steps: both are read toward the better step
        assert lower.now_value == lower.then_value
        assert higher.now_value == higher.then_value
    if higher.direction is not Direction.STEADY:
        assert lower.held == higher.held


def test_the_windows_of_a_week_ending_on_any_day() -> None:
    # A week ending on a Wednesday (a person whose summary day is Wednesday).
    wednesday = date(2026, 2, 25)
    week = history(
        [DayAnswer(MF, wednesday, 4), DayAnswer(MF, wednesday - timedelta(days=6), 4)],
        [DayAnswer(MF, wednesday - timedelta(days=7), 1)],
        [DayAnswer(MF, wednesday - timedelta(days=21), 2)],
        [DayAnswer(MF, wednesday - timedelta(days=27), 2)],
        [DayAnswer(MF, wednesday - timedelta(days=28), 3)],
        week_end=wednesday,
    )
    assert week.week_start == wednesday - timedelta(days=6)
    assert sorted(week.this_week[MF]) == [4, 4]
    assert sorted(week.weeks_ago[MF]) == [2, 2]
    assert week.days == 2
