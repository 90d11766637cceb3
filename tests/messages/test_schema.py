"""Conditions and context: when a message fits, and the helpers that build a context."""

from __future__ import annotations

import datetime as dt

import pytest

from messages.catalogue import Catalogue
from messages.schema import (
    Conditions,
    Context,
    Kind,
    Message,
    SafetySituation,
    TimeOfDay,
    Weekday,
)


def test_unset_conditions_fit_any_context() -> None:
    assert Conditions().fits(Context())
    assert Conditions().fits(Context(after_flare=True, weekday=Weekday.SUN))


@pytest.mark.parametrize(
    ("conditions", "context", "fits"),
    [
        (Conditions(first_weeks=True), Context(), False),
        (Conditions(first_weeks=True), Context(first_weeks=True), True),
        (Conditions(after_flare=False), Context(after_flare=True), False),
        (Conditions(after_flare=False), Context(), True),
        (Conditions(weekdays=frozenset({Weekday.SAT, Weekday.SUN})), Context(), False),
        (Conditions(weekdays=frozenset({Weekday.SAT})), Context(weekday=Weekday.SAT), True),
        (Conditions(time_of_day=TimeOfDay.EVENING), Context(time_of_day=TimeOfDay.MORNING), False),
        (Conditions(situation=SafetySituation.CRISIS), Context(), False),
    ],
)
def test_set_conditions_must_match(conditions: Conditions, context: Context, fits: bool) -> None:
    assert conditions.fits(context) is fits


def test_weekday_and_time_of_day_from_local_values() -> None:
    assert Weekday.of(dt.date(2026, 11, 24)) is Weekday.TUE
    assert TimeOfDay.of(dt.time(8, 0)) is TimeOfDay.MORNING
    assert TimeOfDay.of(dt.time(12, 0)) is TimeOfDay.AFTERNOON
    assert TimeOfDay.of(dt.time(21, 30)) is TimeOfDay.EVENING


def test_text_is_trimmed_and_messages_are_frozen() -> None:
    message = Message(id="ack.999", kind=Kind.CHECKIN_ACK, text="  Thanks.\n")
    assert message.text == "Thanks."
    with pytest.raises(ValueError, match="frozen"):
        message.text = "Changed."  # type: ignore[misc]


def test_a_catalogue_looks_messages_up() -> None:
    first = Message(id="ack.002", kind=Kind.CHECKIN_ACK, text="Thanks.")
    second = Message(id="ack.001", kind=Kind.CHECKIN_ACK, text="Thank you.")
    catalogue = Catalogue([first, second])
    assert catalogue.get("ack.001") is second
    assert catalogue.messages(Kind.CHECKIN_ACK) == (second, first)
    assert catalogue.messages(Kind.NUDGE) == ()
    assert "ack.001" in catalogue
    assert len(catalogue) == 2
    with pytest.raises(KeyError, match=r"ack\.404"):
        catalogue.get("ack.404")
    with pytest.raises(ValueError, match="unique"):
        Catalogue([first, first])
