"""Which markers a check-in asks about, rotated across the person's week.

Rules (issue: patient journey): 2 to 4 items per check-in; each daily marker asked at least
twice a week where the person's chosen days allow it; `moving_freely` and
`doing_what_matters` most often; `pain_dominance` optional and never first. On the weekly
summary day the person's own activities and the reframe question are asked as well.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache

from core.markers import MarkerId

FIRST = MarkerId.MOVING_FREELY
SECOND = MarkerId.DOING_WHAT_MATTERS
# The rest, in the order they take free places; pain last so it never leads.
OTHERS = (
    MarkerId.CONFIDENCE,
    MarkerId.WORRY,
    MarkerId.SLEEP,
    MarkerId.ENERGY,
    MarkerId.PAIN_DOMINANCE,
)
MIN_ITEMS, MAX_ITEMS = 2, 4
TIMES_A_WEEK = 2


def activity_item(position: int) -> str:
    """The answer item id for the person's activity at `position` (1 to 3)."""
    return f"activity:{position}"


@cache  # 128 masks; asked for every check-in the tick opens
def chosen_days(days_mask: int) -> tuple[int, ...]:
    """Weekday numbers (Monday 0) in a Mon=1 ... Sun=64 bitmask."""
    return tuple(day for day in range(7) if days_mask & (1 << day))


def _quotas(checkins: int, per_checkin: int, include_pain: bool) -> dict[MarkerId, int]:
    others = [m for m in OTHERS if include_pain or m is not MarkerId.PAIN_DOMINANCE]
    free = checkins * (per_checkin - 1)  # `moving_freely` takes one place in every check-in
    spare = free - TIMES_A_WEEK * len(others)
    # Enough room: the others get exactly their two, the rest goes to `doing_what_matters`.
    # Too few check-in days for that: a third of the places, the others share the rest.
    second = min(checkins, spare if spare > TIMES_A_WEEK else math.ceil(free / 3))
    quotas = {FIRST: checkins, SECOND: second}
    left = free - second
    for index, marker in enumerate(others):
        share = left // len(others) + (1 if index < left % len(others) else 0)
        quotas[marker] = min(checkins, share)
    return quotas


def _items_per_checkin(checkins: int, include_pain: bool) -> int:
    others = len(OTHERS) - (0 if include_pain else 1)
    for size in range(MIN_ITEMS + 1, MAX_ITEMS + 1):
        free = checkins * (size - 1)
        # Room for every other marker twice and `doing_what_matters` more often than them.
        if free - TIMES_A_WEEK * others > TIMES_A_WEEK:
            return size
    return MAX_ITEMS


@cache
def plan_week(checkins: int, include_pain: bool = True) -> tuple[tuple[MarkerId, ...], ...]:
    """The items of each of a week's `checkins` check-ins, in order."""
    if not 1 <= checkins <= 7:
        raise ValueError("a week has 1 to 7 check-in days")
    size = _items_per_checkin(checkins, include_pain)
    remaining = _quotas(checkins, size, include_pain)
    plan: list[tuple[MarkerId, ...]] = []
    for index in range(checkins):
        items = [FIRST]
        left_after = checkins - index
        # Spread each marker over the week: take those with the most still owed per day left.
        candidates = sorted(
            (m for m in remaining if m is not FIRST and remaining[m] > 0),
            key=lambda m: (-remaining[m] / left_after, _order(m)),
        )
        items.extend(candidates[: size - 1])
        for marker in items:
            remaining[marker] -= 1
        plan.append(tuple(sorted(items, key=_order)))
    return tuple(plan)


def _order(marker: MarkerId) -> int:
    return (FIRST, SECOND, *OTHERS).index(marker)


def items_for(
    local_date: date, days_mask: int, *, include_pain: bool = True
) -> tuple[MarkerId, ...]:
    """The markers to ask on `local_date` for someone who checks in on `days_mask` days."""
    return _items_on(local_date.weekday(), days_mask, include_pain)


@cache  # 7 weekdays x 128 masks x 2: asked for every check-in the tick opens
def _items_on(weekday: int, days_mask: int, include_pain: bool) -> tuple[MarkerId, ...]:
    days = chosen_days(days_mask) or tuple(range(7))
    plan = plan_week(len(days), include_pain)
    # An on-demand check-in on a day off borrows the plan of the next chosen day.
    position = next((i for i, day in enumerate(days) if day >= weekday), 0)
    return plan[position]
