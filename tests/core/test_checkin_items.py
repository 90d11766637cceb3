"""Which markers a check-in asks: rotated over the person's week, by the issue's rules."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from core.checkin_items import chosen_days, items_for, plan_week
from core.markers import MarkerId

DAILY = [m for m in MarkerId if m is not MarkerId.REFRAME]


@given(mask=st.integers(1, 127), include_pain=st.booleans())
def test_every_check_in_has_two_to_four_distinct_items_and_pain_never_first(
    mask: int, include_pain: bool
) -> None:
    monday = date(2027, 1, 4)
    for offset in range(7):
        items = items_for(monday + timedelta(days=offset), mask, include_pain=include_pain)
        assert 2 <= len(items) <= 4
        assert len(set(items)) == len(items)
        assert items[0] is not MarkerId.PAIN_DOMINANCE
        assert MarkerId.REFRAME not in items
        if not include_pain:
            assert MarkerId.PAIN_DOMINANCE not in items


@given(mask=st.integers(1, 127), include_pain=st.booleans())
def test_over_a_week_moving_freely_and_doing_what_matters_come_most_often(
    mask: int, include_pain: bool
) -> None:
    days = chosen_days(mask)
    counts = Counter(m for items in plan_week(len(days), include_pain) for m in items)
    others = [counts[m] for m in DAILY if m not in (MarkerId.MOVING_FREELY,)]
    assert counts[MarkerId.MOVING_FREELY] >= max(others)
    rest = [
        counts[m]
        for m in DAILY
        if m not in (MarkerId.MOVING_FREELY, MarkerId.DOING_WHAT_MATTERS)
        and (include_pain or m is not MarkerId.PAIN_DOMINANCE)
    ]
    assert counts[MarkerId.DOING_WHAT_MATTERS] >= max(rest)


def test_with_five_or_more_days_every_marker_is_asked_at_least_twice() -> None:
    for checkins in (5, 6, 7):
        for include_pain in (True, False):
            counts = Counter(m for items in plan_week(checkins, include_pain) for m in items)
            wanted = [m for m in DAILY if include_pain or m is not MarkerId.PAIN_DOMINANCE]
            assert all(counts[m] >= 2 for m in wanted), (checkins, counts)


def test_daily_check_ins_use_three_items() -> None:
    assert {len(items) for items in plan_week(7)} == {3}
