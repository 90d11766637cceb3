"""What a person's next typed message is for: stored as short text, read back the same."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.conversation import (
    Awaiting,
    AwaitingFocus,
    AwaitingNote,
    AwaitingSetting,
    PickingDays,
    format_awaiting,
    parse_awaiting,
)
from core.journey import Step


@pytest.mark.parametrize(
    ("awaiting", "stored"),
    [
        (None, None),
        (AwaitingNote(42), "note:42"),
        (AwaitingFocus(date(2026, 3, 1)), "focus:2026-03-01"),
        (AwaitingSetting(Step.TIME), "set:time"),
        (AwaitingSetting(Step.SUMMARY_DAY), "set:sday"),
        (PickingDays(0), "days:0"),
        (PickingDays(0b0011111), "days:31"),
    ],
)
def test_the_stored_text_is_what_it_always_was(awaiting: Awaiting | None, stored: str) -> None:
    # Rows written before the typed values must still be read (and the other way round).
    assert format_awaiting(awaiting) == stored
    assert parse_awaiting(stored) == awaiting


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "note:",
        "note:abc",
        "note:-1",
        "focus:2026-02-30",
        "focus:",
        "set:nonsense",
        "set:",
        "days:128",
        "days:-1",
        "days:x",
        "something:1",
        "note",
    ],
)
def test_text_it_never_wrote_awaits_nothing(stored: str) -> None:
    assert parse_awaiting(stored) is None


awaitings = st.one_of(
    st.none(),
    st.builds(AwaitingNote, st.integers(0, 10**15)),
    st.builds(AwaitingFocus, st.dates()),
    st.builds(AwaitingSetting, st.sampled_from(Step)),
    st.builds(PickingDays, st.integers(0, 127)),
)


@given(awaitings)
def test_every_value_fits_its_column_and_reads_back(awaiting: Awaiting | None) -> None:
    stored = format_awaiting(awaiting)
    assert stored is None or len(stored) <= 32  # patients.awaiting_input is VARCHAR(32)
    assert parse_awaiting(stored) == awaiting


@given(st.text(max_size=40))
def test_any_stored_text_is_read_without_error(stored: str) -> None:
    found = parse_awaiting(stored)
    assert found is None or parse_awaiting(format_awaiting(found)) == found
