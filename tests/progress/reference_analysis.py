"""The weekly analysis as it was before it was made faster: the reference its results must
match exactly (tests/progress/test_fast_analysis.py). Frozen copy; do not edit to follow
`core.progress`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

from core.checkin_items import activity_item
from core.markers import MARKERS, MarkerId
from core.progress import (
    ACTIVITY_STEP,
    DAILY_MARKERS,
    FLARE_MARKERS,
    MAX_ACTIVITIES,
    MIN_ANSWERS,
    SCALE_STEP,
    WEEK_DAYS,
    WEEKS_AGO,
    ActivityProgress,
    Comparison,
    Direction,
    MarkerProgress,
    Reference,
    WeekAnswers,
    WeeklyProgress,
    baseline_end,
)


def comparisons(progress: MarkerProgress) -> tuple[Comparison, ...]:
    """`MarkerProgress.comparisons` as it was."""
    return tuple(c for c in (progress.vs_weeks_ago, progress.vs_baseline) if c is not None)


def improved(progress: MarkerProgress) -> Comparison | None:
    """`MarkerProgress.improved` as it was."""
    better = [c for c in comparisons(progress) if c.direction is Direction.BETTER]
    return max(better, key=_clearness, default=None)


def worsened(progress: MarkerProgress) -> Comparison | None:
    """`MarkerProgress.worsened` as it was."""
    worse = [c for c in comparisons(progress) if c.direction is Direction.WORSE]
    return min(worse, key=lambda c: c.steps, default=None)


def improvements(
    progress: WeeklyProgress, *, include_pain: bool = False
) -> list[tuple[MarkerProgress, Comparison]]:
    """`WeeklyProgress.improvements` as it was."""
    found = [
        (m, c)
        for m in progress.markers
        if (include_pain or not MARKERS[m.marker].is_pain) and (c := improved(m)) is not None
    ]
    found.sort(key=lambda mc: (_clearness(mc[1]), -_order(mc[0].marker)), reverse=True)
    return found


def lead(progress: WeeklyProgress) -> tuple[MarkerProgress, Comparison] | None:
    """`WeeklyProgress.lead` as it was."""
    if progress.building_baseline:
        return None
    found = improvements(progress)
    return found[0] if found else None


def pain_improved(progress: WeeklyProgress) -> Comparison | None:
    """`WeeklyProgress.pain_improved` as it was."""
    if progress.building_baseline:
        return None
    pain = progress.marker(MarkerId.PAIN_DOMINANCE)
    return None if pain is None else improved(pain)


def _clearness(comparison: Comparison) -> tuple[float, float, int]:
    """Bigger steps first, then the better-held week, then the three-weeks-ago reference."""
    share = comparison.held / comparison.answers if comparison.answers else 0.0
    return (comparison.steps, share, int(comparison.reference is Reference.WEEKS_AGO))


def _order(marker: MarkerId) -> int:
    return list(MarkerId).index(marker)


def median(values: Sequence[float]) -> float:
    """The median of a non-empty sequence."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def _round_toward(value: float, target: float) -> int:
    """`value` rounded to a whole step, toward `target` when it sits between two steps."""
    whole = int(value)
    if value == whole:
        return whole
    return math.floor(value) if target < value else math.ceil(value)


# The 1-5 scales turned so that higher is always better: worry 1 ("not at all") becomes 5.
# The analysis works in this "goodness" and turns values back only to name them.
_TOP_PLUS_BOTTOM: Final = 6


def _good(values: Sequence[int], higher_is_better: bool) -> Sequence[int]:
    return values if higher_is_better else [_TOP_PLUS_BOTTOM - v for v in values]


def compare(
    marker: MarkerId,
    now: Sequence[int],
    then: Sequence[int],
    reference: Reference,
    weeks_ago: int,
) -> Comparison | None:
    """This week's answers to `marker` against a reference period's (None: too few answers)."""
    if len(now) < MIN_ANSWERS or len(then) < MIN_ANSWERS:
        return None
    higher_is_better = MARKERS[marker].higher_is_better
    good_now = _good(now, higher_is_better)
    now_median = median(good_now)
    then_median = median(_good(then, higher_is_better))
    steps = now_median - then_median
    answers = len(good_now)
    better = sum(1 for g in good_now if g >= then_median + SCALE_STEP)
    worse = sum(1 for g in good_now if g <= then_median - SCALE_STEP)
    # "Held": a full step beyond the reference on more than half of this week's answers.
    if steps >= SCALE_STEP and better * 2 > answers:
        direction, held = Direction.BETTER, better
    elif steps <= -SCALE_STEP and worse * 2 > answers:
        direction, held = Direction.WORSE, worse
    else:
        direction, held = Direction.STEADY, better
    now_value = _round_toward(now_median, then_median)
    then_value = _round_toward(then_median, now_median)
    if not higher_is_better:
        now_value, then_value = _TOP_PLUS_BOTTOM - now_value, _TOP_PLUS_BOTTOM - then_value
        now_median, then_median = _TOP_PLUS_BOTTOM - now_median, _TOP_PLUS_BOTTOM - then_median
    return Comparison(
        reference=reference,
        weeks_ago=weeks_ago,
        now_value=now_value,
        then_value=then_value,
        now_median=now_median,
        then_median=then_median,
        steps=steps,
        direction=direction,
        answers=answers,
        held=held,
    )


def _activity(position: int, week: WeekAnswers) -> ActivityProgress | None:
    item = activity_item(position)
    now_values = week.this_week.get(item, ())
    then_values = week.weeks_ago.get(item, ())
    reference: Reference | None = Reference.WEEKS_AGO
    if not then_values:
        then_values, reference = week.baseline.get(item, ()), Reference.BASELINE
    if not now_values and not then_values:
        return None
    now = median(now_values) if now_values else None
    then = median(then_values) if then_values else None
    if then is None:
        reference = None
    direction = Direction.STEADY
    if now is not None and then is not None:
        if now - then >= ACTIVITY_STEP:
            direction = Direction.BETTER
        elif then - now >= ACTIVITY_STEP:
            direction = Direction.WORSE
    return ActivityProgress(
        position=position, now=now, then=then, reference=reference, direction=direction
    )


def _reframe(values: Sequence[int]) -> int | None:
    # "About the same" (3) is the middle: a split answer is read toward it, never past it.
    return _round_toward(median(values), 3) if values else None


def analyse(week: WeekAnswers) -> WeeklyProgress:
    """One person's weekly progress against their own baseline and three weeks ago."""
    this_week, weeks_ago, baseline = week.this_week, week.weeks_ago, week.baseline
    in_first_weeks = week.week_start < baseline_end(week.baseline_start)
    weeks_since_start = max(2, (week.week_end - week.baseline_start).days // WEEK_DAYS)
    markers: list[MarkerProgress] = []
    comparable = flare = False
    for marker in DAILY_MARKERS:
        now = this_week.get(marker, ())
        if not now:
            continue
        vs_baseline = vs_weeks_ago = None
        # Comparisons need two answers this week; none while the baseline is being built.
        if len(now) >= MIN_ANSWERS and not in_first_weeks:
            vs_baseline = compare(
                marker,
                now,
                baseline.get(marker, ()),
                Reference.BASELINE,
                weeks_since_start,
            )
            vs_weeks_ago = compare(
                marker, now, weeks_ago.get(marker, ()), Reference.WEEKS_AGO, WEEKS_AGO
            )
        progress = MarkerProgress(
            marker=marker,
            answers=len(now),
            median=median(now),
            vs_baseline=vs_baseline,
            vs_weeks_ago=vs_weeks_ago,
        )
        markers.append(progress)
        if vs_baseline is not None or vs_weeks_ago is not None:
            comparable = True
            if marker in FLARE_MARKERS and worsened(progress) is not None:
                flare = True
    activities = tuple(
        found
        for position in range(1, MAX_ACTIVITIES + 1)
        if (found := _activity(position, week)) is not None
    )
    reframe = MarkerId.REFRAME
    before = weeks_ago.get(reframe) or baseline.get(reframe, ())
    return WeeklyProgress(
        patient_id=week.patient_id,
        week_start=week.week_start,
        week_end=week.week_end,
        days=week.days,
        in_first_weeks=in_first_weeks,
        building_baseline=in_first_weeks or not comparable,
        markers=tuple(markers),
        activities=activities,
        reframe_now=_reframe(this_week.get(reframe, ())),
        reframe_before=None if in_first_weeks else _reframe(before),
        flare=flare,
    )
