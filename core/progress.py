"""N=1 weekly progress: each person compared only with their own earlier weeks.

Pure functions over plain values (no database, no clock), so every rule here is tested on
hand-built histories. `core.store.repositories.progress` reads a person's answers;
`messages.summary` turns the result into words.

The rules:

- **This week** is the 7 local days ending on the summary's local date (inclusive).
- **References**: the person's own **baseline**, their first two weeks with N1 (14 local days
  from the day they joined), and **three weeks ago**, the 7 days ending 21 days before this
  week's last day. Nobody is ever compared with anybody else.
- **Typical value** of a period: the median of the answers given in it (skips are not
  answers). A period needs at least `MIN_ANSWERS` answers to be used.
- **A change counts** only when it is at least one scale step *and held over the week*.
  Precisely, working in the marker's "better" direction (so "worry" going down is better):
  this week is **better** than a reference when (a) this week's median is at least one step
  better than the reference's median, and (b) more than half of this week's answers (at
  least `MIN_ANSWERS` of them) are each at least one full step better than the reference's
  median. (b) is what "held" means: one good day in a flat week is not a change, and a week
  that is better on most of its days is. It implies (a); both are checked so that the code
  reads like the rule. **Worse** is the mirror image. Anything else is **steady**.
  An answer given twice on one local day (an extra on-demand check-in) counts twice; that is
  rare and only ever adds evidence the person gave.
- **Activities** (the person's own, rated 0 to 10 weekly): this week's median against the
  three-weeks-ago one, or else the baseline's; a change counts at `ACTIVITY_STEP` points,
  the smallest change that matters on a patient-specific 0-10 scale (as on the
  Patient-Specific Functional Scale, PSFS).
  A weekly rating is already a judgement about the week, so there is no "held" test.
- **Consistency** is the number of local days this week with a check-in the person answered
  (skipping an item is an answer); never a streak, never the days without one.
- **A flare week**: moving freely or how much pain took centre stage is counted as worse
  (by the rule above) against either reference. The summary then offers support first.
- **Building a baseline**: while this week still overlaps the first two weeks, or when no
  reference holds enough answers to compare with, there is nothing to compare yet.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from core.checkin_items import activity_item
from core.markers import MARKERS, MarkerId

BASELINE_DAYS: Final = 14
WEEK_DAYS: Final = 7
# The second reference: the week this many weeks before this one.
WEEKS_AGO: Final = 3
# A period needs this many answers to stand for a typical value; "held" needs this many too.
MIN_ANSWERS: Final = 2
# One step on the 1-5 marker scales.
SCALE_STEP: Final = 1.0
# Points on the 0-10 activity scale (PSFS's smallest change that matters is about 2).
ACTIVITY_STEP: Final = 2.0
MAX_ACTIVITIES: Final = 3
# Weeks on the chart.
CHART_WEEKS: Final = 8

# Markers asked day to day (the reframe is weekly and asked, not compared as a marker).
DAILY_MARKERS: Final[tuple[MarkerId, ...]] = tuple(
    marker for marker in MarkerId if not MARKERS[marker].weekly_only
)
# Markers whose worsening marks a flare week.
FLARE_MARKERS: Final = (MarkerId.PAIN_DOMINANCE, MarkerId.MOVING_FREELY)

_EMPTY: Mapping[str, Sequence[int]] = MappingProxyType({})


class Reference(StrEnum):
    """What this week is compared with."""

    BASELINE = "baseline"
    WEEKS_AGO = "weeks_ago"


class Direction(StrEnum):
    """How a marker moved against a reference, by the "at least a step, and held" rule."""

    BETTER = "better"
    WORSE = "worse"
    STEADY = "steady"


# ---------------------------------------------------------------------------------------------
# Input


@dataclass(frozen=True, slots=True, kw_only=True)
class WeekAnswers:
    """What the analysis needs about one person for one week (values as answered).

    Each mapping is item id -> the values answered in that period, one per answer, in any
    order; skipped items are left out; treat them as read-only. Items are marker ids,
    "activity:1".."activity:3" and "reframe".
    """

    patient_id: int
    week_end: date
    # The day the person joined N1: their baseline is every answer before 14 days later.
    baseline_start: date
    this_week: Mapping[str, Sequence[int]] = field(default_factory=lambda: _EMPTY)
    weeks_ago: Mapping[str, Sequence[int]] = field(default_factory=lambda: _EMPTY)
    baseline: Mapping[str, Sequence[int]] = field(default_factory=lambda: _EMPTY)
    # Local days this week with an answered check-in (skips count as answers).
    days: int = 0

    @property
    def week_start(self) -> date:
        """The first local day of this week."""
        return week_window(self.week_end)[0]


@dataclass(frozen=True, slots=True)
class DayAnswer:
    """One answer as the store has it: item, the check-in's local date, value (None: skipped)."""

    item: str
    local_date: date
    value: int | None


def week_window(week_end: date) -> tuple[date, date]:
    """First and last local day of the week ending on `week_end`."""
    return week_end - timedelta(days=WEEK_DAYS - 1), week_end


def weeks_ago_window(week_end: date) -> tuple[date, date]:
    """First and last local day of the week three weeks before the one ending `week_end`."""
    end = week_end - timedelta(days=WEEK_DAYS * WEEKS_AGO)
    return end - timedelta(days=WEEK_DAYS - 1), end


def baseline_end(baseline_start: date) -> date:
    """The first local day after the baseline (exclusive end)."""
    return baseline_start + timedelta(days=BASELINE_DAYS)


def week_answers_from_days(
    patient_id: int,
    week_end: date,
    baseline_start: date,
    answers: Iterable[DayAnswer],
) -> WeekAnswers:
    """Sort one person's dated answers into this week, three weeks ago and the baseline.

    A day can fall in more than one period (early on, this week is part of the baseline).
    """
    this_start, this_end = week_window(week_end)
    then_start, then_end = weeks_ago_window(week_end)
    base_end = baseline_end(baseline_start)
    this_week: dict[str, list[int]] = {}
    weeks_ago: dict[str, list[int]] = {}
    baseline: dict[str, list[int]] = {}
    days: set[date] = set()
    for answer in answers:
        in_week = this_start <= answer.local_date <= this_end
        if in_week:
            days.add(answer.local_date)
        if answer.value is None:
            continue
        if in_week:
            this_week.setdefault(answer.item, []).append(answer.value)
        if then_start <= answer.local_date <= then_end:
            weeks_ago.setdefault(answer.item, []).append(answer.value)
        if answer.local_date < base_end:
            baseline.setdefault(answer.item, []).append(answer.value)
    return WeekAnswers(
        patient_id=patient_id,
        week_end=week_end,
        baseline_start=baseline_start,
        this_week=_frozen(this_week),
        weeks_ago=_frozen(weeks_ago),
        baseline=_frozen(baseline),
        days=len(days),
    )


def _frozen(values: Mapping[str, Sequence[int]]) -> Mapping[str, Sequence[int]]:
    return MappingProxyType({item: tuple(found) for item, found in values.items()})


# ---------------------------------------------------------------------------------------------
# Output


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """One marker this week against one reference period."""

    reference: Reference
    # How far back the reference is, in whole weeks (at least 2; for the library's text).
    weeks_ago: int
    # Typical values on the marker's 1-5 scale, rounded toward each other so that words
    # never overstate a change (a median of 3.5 against 2 reads as "3", not "4").
    now_value: int
    then_value: int
    # Medians, and how many steps better this week's is (negative: worse).
    now_median: float
    then_median: float
    steps: float
    direction: Direction
    # Answers this week, and how many of them were a full step beyond the reference's median
    # in `direction` (in the better direction when steady).
    answers: int
    held: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkerProgress:
    """One marker's week: how often it was answered, its typical value and its comparisons."""

    marker: MarkerId
    answers: int
    median: float | None
    vs_baseline: Comparison | None = None
    vs_weeks_ago: Comparison | None = None

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        """The references this week could be compared with (three weeks ago first)."""
        return tuple(c for c in (self.vs_weeks_ago, self.vs_baseline) if c is not None)

    @property
    def improved(self) -> Comparison | None:
        """The clearest counted improvement, if any."""
        better = [c for c in self.comparisons if c.direction is Direction.BETTER]
        return max(better, key=_clearness, default=None)

    @property
    def worsened(self) -> Comparison | None:
        """The clearest counted worsening, if any."""
        worse = [c for c in self.comparisons if c.direction is Direction.WORSE]
        return min(worse, key=lambda c: c.steps, default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityProgress:
    """One of the person's own activities: this week's rating (0-10) against earlier."""

    position: int
    now: float | None
    then: float | None
    reference: Reference | None
    direction: Direction

    @property
    def change(self) -> float | None:
        """Points better than the reference (None without both ratings)."""
        if self.now is None or self.then is None:
            return None
        return self.now - self.then


@dataclass(frozen=True, slots=True, kw_only=True)
class WeeklyProgress:
    """One person's week, compared only with their own earlier weeks."""

    patient_id: int
    week_start: date
    week_end: date
    days: int
    # This week overlaps the person's first two weeks: there is nothing to compare yet.
    in_first_weeks: bool
    markers: tuple[MarkerProgress, ...]
    activities: tuple[ActivityProgress, ...]
    # The weekly "healthier and more capable?" answer (1-5): this week's, and an earlier one.
    reframe_now: int | None
    reframe_before: int | None
    flare: bool

    def marker(self, marker: MarkerId) -> MarkerProgress | None:
        """The progress of `marker`, if it was answered or could be compared."""
        return next((m for m in self.markers if m.marker is marker), None)

    @property
    def comparable(self) -> bool:
        """Whether any marker could be compared with a reference this week."""
        return any(m.comparisons for m in self.markers)

    @property
    def building_baseline(self) -> bool:
        """In the first weeks, or no marker had enough answers to compare: a summary frames
        the week as building a baseline."""
        return self.in_first_weeks or not self.comparable

    def improvements(
        self, *, include_pain: bool = False
    ) -> list[tuple[MarkerProgress, Comparison]]:
        """Counted improvements, clearest first; among equals, the marker declared first in
        `MarkerId` (moving freely first). Pain only when asked for."""
        found = [
            (m, c)
            for m in self.markers
            if (include_pain or m.marker not in _PAIN) and (c := m.improved) is not None
        ]
        return sorted(found, key=_rank, reverse=True)

    @property
    def told_improvements(self) -> list[tuple[MarkerProgress, Comparison]]:
        """The non-pain improvements a summary tells, clearest first: none while the
        baseline is being built. The first is the lead."""
        return [] if self.building_baseline else self.improvements()

    @property
    def lead(self) -> tuple[MarkerProgress, Comparison] | None:
        """The clearest non-pain improvement, which a summary leads with (None: none)."""
        found = self.told_improvements
        return found[0] if found else None

    @property
    def pain_improved(self) -> Comparison | None:
        """A counted improvement in how much pain took centre stage (mentioned last)."""
        if self.building_baseline:
            return None
        pain = self.marker(MarkerId.PAIN_DOMINANCE)
        return None if pain is None else pain.improved


def _clearness(comparison: Comparison) -> tuple[float, float, int]:
    """Bigger steps first, then the better-held week, then the three-weeks-ago reference."""
    share = comparison.held / comparison.answers if comparison.answers else 0.0
    return (comparison.steps, share, int(comparison.reference is Reference.WEEKS_AGO))


# Markers about pain itself: mentioned last, never led with.
_PAIN: Final = frozenset(marker for marker in MarkerId if MARKERS[marker].is_pain)
# Ties between equally clear improvements go to the marker declared first in `MarkerId`
# (moving freely, confidence, worry, doing what matters, ...), the order `markers` lists
# them in. Not `core.markers.LEAD_ORDER`, the order check-ins ask in and the chart stacks
# its panels: that puts doing what matters second, and would change which of two equally
# clear improvements a summary leads with.
_TIE_ORDER: Final = {marker: index for index, marker in enumerate(MarkerId)}


def _rank(found: tuple[MarkerProgress, Comparison]) -> tuple[tuple[float, float, int], int]:
    """How an improvement ranks: clearest first; among equals, the earlier marker."""
    return _clearness(found[1]), -_TIE_ORDER[found[0].marker]


# ---------------------------------------------------------------------------------------------
# Analysis


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
    """One of the person's own activities this week, if it was ever rated."""
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
    flare = False
    for marker in DAILY_MARKERS:
        now = this_week.get(marker, ())
        if not now:
            continue
        vs_baseline = vs_weeks_ago = None
        # None while the baseline is being built; `compare` wants enough answers on each side.
        if not in_first_weeks:
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
        if marker in FLARE_MARKERS and progress.worsened is not None:
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
        markers=tuple(markers),
        activities=activities,
        reframe_now=_reframe(this_week.get(reframe, ())),
        reframe_before=None if in_first_weeks else _reframe(before),
        flare=flare,
    )


# ---------------------------------------------------------------------------------------------
# The chart's data


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartData:
    """Weekly typical values for the chart: one median per marker per week (None: no answer)."""

    week_starts: tuple[date, ...]
    series: Mapping[MarkerId, tuple[float | None, ...]]


def chart_data(
    answers: Iterable[DayAnswer], week_end: date, weeks: int = CHART_WEEKS
) -> ChartData:
    """The last `weeks` weeks (ending `week_end`) of weekly medians per daily marker.

    Only markers with at least one answer in those weeks get a series.
    """
    if weeks < 1:
        raise ValueError("a chart needs at least one week")
    first = week_end - timedelta(days=WEEK_DAYS * weeks - 1)
    starts = tuple(first + timedelta(days=WEEK_DAYS * index) for index in range(weeks))
    buckets: dict[MarkerId, list[list[int]]] = {}
    daily = {m.value: m for m in DAILY_MARKERS}
    for answer in answers:
        marker = daily.get(answer.item)
        if marker is None or answer.value is None or not first <= answer.local_date <= week_end:
            continue
        index = (answer.local_date - first).days // WEEK_DAYS
        buckets.setdefault(marker, [[] for _ in range(weeks)])[index].append(answer.value)
    series = {
        marker: tuple(median(values) if values else None for values in buckets[marker])
        for marker in DAILY_MARKERS
        if marker in buckets
    }
    return ChartData(week_starts=starts, series=MappingProxyType(series))
