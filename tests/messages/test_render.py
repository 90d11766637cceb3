"""Rendering: strict placeholders both ways, and braces that cannot reach anything else."""

from __future__ import annotations

import pytest

from core.markers import MarkerId
from messages.render import (
    PlaceholderError,
    RenderError,
    count_phrase,
    fill,
    placeholders_in,
    render,
)
from messages.schema import Kind, Message


def _message(kind: Kind, text: str, marker: MarkerId | None = None) -> Message:
    return Message(id="test.001", kind=kind, marker=marker, text=text)


def test_placeholders_are_found() -> None:
    text = "‘{now_label}’ from ‘{then_label}’, {weeks_ago} weeks ago. {{not one}}"
    assert placeholders_in(text) == {"now_label", "then_label", "weeks_ago"}


@pytest.mark.parametrize(
    "text", ["{days", "days}", "{}", "{0}", "{days.real}", "{days[0]}", "{days!r}", "{days:>9}"]
)
def test_anything_but_a_plain_name_is_refused(text: str) -> None:
    with pytest.raises(PlaceholderError):
        placeholders_in(text)


def test_render_fills_every_placeholder() -> None:
    message = _message(Kind.CONSISTENCY, "You checked in on {days} this week.")
    assert render(message, days="4 days") == "You checked in on 4 days this week."


def test_a_missing_value_is_refused() -> None:
    message = _message(Kind.COHORT_CELEBRATION, "{count} of the {total} of you.", MarkerId.SLEEP)
    with pytest.raises(RenderError, match=r"test\.001: no value given for \{total\}"):
        render(message, count=3)


def test_a_value_the_kind_does_not_have_is_refused() -> None:
    message = _message(Kind.CONSISTENCY, "You checked in on {days} this week.")
    with pytest.raises(RenderError, match=r"\{dayz\}"):
        render(message, days="4 days", dayz="4 days")


def test_a_value_the_kind_allows_but_this_variant_does_not_use_is_fine() -> None:
    message = _message(Kind.NUDGE, "Your check-in is still open.")
    assert render(message, checkin_time="9:30am") == "Your check-in is still open."


def test_braces_in_values_stay_literal_and_doubled_braces_are_single() -> None:
    message = _message(Kind.PROGRAMME, "{{Team}} says:\n\n{body}")
    body = "Bring {water} and {cohort}."
    assert render(message, body=body, cohort="x") == "{Team} says:\n\nBring {water} and {cohort}."


def test_fill_needs_every_value() -> None:
    assert fill("{a} and {b}", {"a": 1, "b": "two"}) == "1 and two"
    with pytest.raises(RenderError):
        fill("{a} and {b}", {"a": 1})


@pytest.mark.parametrize(
    ("count", "expected"), [(0, "0 days"), (1, "1 day"), (2, "2 days"), (7, "7 days")]
)
def test_count_phrase(count: int, expected: str) -> None:
    assert count_phrase(count, "day") == expected


def test_count_phrase_with_an_irregular_plural() -> None:
    assert count_phrase(1, "person", "people") == "1 person"
    assert count_phrase(5, "person", "people") == "5 people"
