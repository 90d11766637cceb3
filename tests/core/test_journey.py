"""A person's own words (notes, activities, next week's focus) are kept tidy, never changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.journey import clean_words


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Walking the dog", "Walking the dog"),
        ("   walking    the  dog  ", "walking the dog"),
        ("gardening\x00\x07", "gardening"),
        ("\u200b", ""),
        ("", ""),
        ("Ça va 😀 mieux", "Ça va 😀 mieux"),
    ],
)
def test_words_are_kept_without_control_characters_or_runs_of_spaces(
    typed: str, kept: str
) -> None:
    assert clean_words(typed) == kept


@pytest.mark.parametrize("between", ["\n", "\r\n", "\t"])
def test_a_line_break_between_words_keeps_them_apart(between: str) -> None:
    assert clean_words(f"walked to the shop{between}then sat down") == (
        "walked to the shop then sat down"
    )


@given(st.text(max_size=200))
def test_cleaned_words_are_printable_single_spaced_and_stable(typed: str) -> None:
    kept = clean_words(typed)
    assert kept.isprintable()
    assert kept == kept.strip()
    assert "  " not in kept
    assert clean_words(kept) == kept
