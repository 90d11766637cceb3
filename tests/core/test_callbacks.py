"""Button data is small, signed for one person, and anything else is refused."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.callbacks import (
    MAX_BYTES,
    AnswerTap,
    CallbackCodec,
    ChoiceTap,
    InvalidCallbackError,
    NoteTap,
    NudgeTap,
    ReviewTap,
    derive_key,
)

codec = CallbackCodec(derive_key("test-secret"))
other = CallbackCodec(derive_key("another-secret"))


def test_each_kind_round_trips_for_its_owner() -> None:
    assert codec.decode(codec.answer(7, 123, 2, 4), 7) == AnswerTap(123, 2, 4)
    assert codec.decode(codec.answer(7, 123, 0, None), 7) == AnswerTap(123, 0, None)
    assert codec.decode(codec.answer(7, 123, 5, 10), 7) == AnswerTap(123, 5, 10)
    assert codec.decode(codec.review(7, 123, 1), 7) == ReviewTap(123, 1)
    assert codec.decode(codec.note(7, 123), 7) == NoteTap(123)
    assert codec.decode(codec.nudge(7, 123, "later"), 7) == NudgeTap(123, "later")
    assert codec.decode(CallbackCodec.choice("zone", "europe.london"), None) == ChoiceTap(
        "zone", "europe.london"
    )


def test_data_signed_for_someone_else_is_refused() -> None:
    with pytest.raises(InvalidCallbackError):
        codec.decode(codec.answer(7, 123, 0, 3), 8)


def test_data_signed_with_another_key_is_refused() -> None:
    with pytest.raises(InvalidCallbackError):
        codec.decode(other.answer(7, 123, 0, 3), 7)


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "garbage",
        "2:a:1:0:3:AAAAAAAA",
        "1:a:1:0:3",
        "1:o:Zone:x",
        "1:o:zone",
        "1:" + "o" * 70,
        "1:a:999999999999999:0:3:AAAAAAAA",
    ],
)
def test_malformed_data_is_refused(data: str | None) -> None:
    with pytest.raises(InvalidCallbackError):
        codec.decode(data, 7)


def test_a_changed_value_breaks_the_signature() -> None:
    data = codec.answer(7, 123, 0, 3)
    with pytest.raises(InvalidCallbackError):
        codec.decode(data.replace(":3:", ":5:"), 7)


def test_signed_values_out_of_range_are_refused() -> None:
    forged = codec._signed(7, "1:a:123:0:11")  # a value off every scale
    with pytest.raises(InvalidCallbackError):
        codec.decode(forged, 7)


@given(
    patient_id=st.integers(1, 10**12),
    check_in_id=st.integers(1, 10**12),
    item=st.integers(0, 20),
    value=st.none() | st.integers(0, 10),
)
def test_data_always_fits_telegrams_64_bytes(
    patient_id: int, check_in_id: int, item: int, value: int | None
) -> None:
    data = codec.answer(patient_id, check_in_id, item, value)
    assert len(data.encode()) <= MAX_BYTES
    assert codec.decode(data, patient_id) == AnswerTap(check_in_id, item, value)


@given(st.text(max_size=80))
def test_arbitrary_text_never_crashes_the_decoder(data: str) -> None:
    with contextlib.suppress(InvalidCallbackError):
        codec.decode(data, 7)
