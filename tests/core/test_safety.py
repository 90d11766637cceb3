"""Free text that may signal a red flag or a crisis is recognised; everyday text is not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.safety import Concern, screen


@pytest.mark.parametrize(
    "text",
    [
        "I've had numbness around my bottom since yesterday",
        "tingling in my groin and numb down there",
        "I can't pee properly today",
        "lost control of my bladder this morning",
        "both legs feel weak and keep giving way",
        "Sudden chest pain when I walked up the stairs",
        "a tight pain in my chest",
    ],
)
def test_red_flag_symptoms_are_recognised(text: str) -> None:
    assert screen(text) is Concern.RED_FLAG


@pytest.mark.parametrize(
    "text",
    [
        "I want to kill myself",
        "sometimes I think about suicide",
        "I don't want to be alive any more",
        "I’d be better off dead",
        "I've been self-harming again",
        "thinking of ending it, I want to end my life",
    ],
)
def test_crisis_language_is_recognised(text: str) -> None:
    assert screen(text) is Concern.CRISIS


def test_crisis_comes_before_a_red_flag() -> None:
    assert screen("chest pain and I want to die") is Concern.CRISIS


@pytest.mark.parametrize(
    "text",
    [
        "Walked the dog further than last week",
        "My back is stiff but I did some gardening",
        "tired today, took it gently",
        "my legs were tired after the swim",
        "Chester was lovely",
        "",
        "😀" * 50,
    ],
)
def test_everyday_text_is_left_alone(text: str) -> None:
    assert screen(text) is None


@given(st.text(max_size=5000))
def test_any_text_is_screened_without_error(text: str) -> None:
    assert screen(text) in (None, Concern.CRISIS, Concern.RED_FLAG)
