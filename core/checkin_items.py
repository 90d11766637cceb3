"""Which markers a check-in asks about, rotated across the person's week.

Rules: 2 to 4 items per check-in; each daily marker asked at least
twice a week where the person's chosen days allow it; `moving_freely` and
`doing_what_matters` most often; `pain_dominance` optional and never first. On the weekly
summary day the person's own activities and the reframe question are asked as well.

Also here, as the rest of N1 reads them: the check-in days bitmask and the item ids of the
person's own activities, with the scale each item is answered on.
"""

from __future__ import annotations

import math
from datetime import date
from functools import cache

from core.markers import LEAD_ORDER, SCALE, MarkerId

# Check-in days are a bitmask, Monday = 1 ... Sunday = 64 (bit n is `date.weekday() == n`).
EVERY_DAY = 0b111_1111
WEEKDAYS = 0b001_1111
WEEKENDS = 0b110_0000

# `moving_freely` is in every check-in, `doing_what_matters` next most often; the rest take
# free places in the lead order (pain last).
FIRST, SECOND, OTHERS = LEAD_ORDER[0], LEAD_ORDER[1], LEAD_ORDER[2:]
MIN_ITEMS, MAX_ITEMS = 2, 4
TIMES_A_WEEK = 2

_ACTIVITY = "activity:"
# The person's own activities are rated 0 to 10; markers on `core.markers.SCALE`.
ACTIVITY_SCALE = range(11)


def activity_item(position: int) -> str:
    """The answer item id for the person's activity at `position` (1 to 3)."""
    return f"{_ACTIVITY}{position}"


def is_activity(item: str) -> bool:
    """Whether `item` is one of the person's own activities (rated 0 to 10)."""
    return item.startswith(_ACTIVITY)


def activity_position(item: str) -> int:
    """The position (1 to 3) of an activity item: "activity:2" is 2."""
    return int(item.removeprefix(_ACTIVITY))


def valid_value(item: str, value: int) -> bool:
    """Whether `value` is on `item`'s scale."""
    return value in (ACTIVITY_SCALE if is_activity(item) else SCALE)


@cache  # 128 masks; asked for every check-in the tick opens
def chosen_days(days_mask: int) -> tuple[int, ...]:
    """Weekday numbers (Monday 0) in a Mon=1 ... Sun=64 bitmask."""
    return tuple(day for day in range(7) if days_mask & (1 << day))


def planned_days(days_mask: int) -> tuple[int, ...]:
    """The days a week's check-ins are planned over: the chosen ones, or every day if none.

    With no day chosen an on-demand check-in still needs a plan to take its items from.
    """
    return chosen_days(days_mask) or chosen_days(EVERY_DAY)


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
    return LEAD_ORDER.index(marker)


def items_for(
    local_date: date, days_mask: int, *, include_pain: bool = True
) -> tuple[MarkerId, ...]:
    """The markers to ask on `local_date` for someone who checks in on `days_mask` days."""
    return _items_on(local_date.weekday(), days_mask, include_pain)


@cache  # 7 weekdays x 128 masks x 2: asked for every check-in the tick opens
def _items_on(weekday: int, days_mask: int, include_pain: bool) -> tuple[MarkerId, ...]:
    days = planned_days(days_mask)
    plan = plan_week(len(days), include_pain)
    # An on-demand check-in on a day off borrows the plan of the next chosen day.
    position = next((i for i, day in enumerate(days) if day >= weekday), 0)
    return plan[position]
