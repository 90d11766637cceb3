"""Selection: never the same text twice in a row, none of the last N, same seed same pick."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.markers import MarkerId
from messages.schema import Context, Kind, Message
from messages.selection import DEFAULT_AVOID_LAST, choose
from tests.messages.helpers import shipped


def _pool(size: int, prefix: str = "ack") -> list[Message]:
    return [
        Message(id=f"{prefix}.{n:03d}", kind=Kind.CHECKIN_ACK, text=f"Thanks, number {n}.")
        for n in range(size)
    ]


def _last_distinct(ids: list[str], pool_ids: set[str], limit: int) -> set[str]:
    recent: list[str] = []
    for message_id in reversed(ids):
        if len(recent) == limit:
            break
        if message_id in pool_ids and message_id not in recent:
            recent.append(message_id)
    return set(recent)


@settings(max_examples=300, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=30),
    picks=st.lists(st.integers(min_value=0, max_value=40), max_size=60),
    foreign=st.lists(st.integers(min_value=0, max_value=60), max_size=5),
    avoid_last=st.integers(min_value=0, max_value=15),
    seed=st.integers(),
)
def test_choice_avoids_the_recent_ones_for_any_history(
    size: int, picks: list[int], foreign: list[int], avoid_last: int, seed: int
) -> None:
    pool = _pool(size)
    pool_ids = {message.id for message in pool}
    # Any history: ids of this pool (some beyond it, as from a retired variant), and ids of
    # another kind mixed in.
    history = [f"ack.{n:03d}" for n in picks] + [f"nudge.{n:03d}" for n in foreign]
    random.Random(seed).shuffle(history)

    chosen = choose(pool, history, random.Random(seed), avoid_last=avoid_last)

    assert chosen in pool
    in_pool = [message_id for message_id in history if message_id in pool_ids]
    if size > 1 and in_pool:
        assert chosen.id != in_pool[-1]
    window = min(max(avoid_last, 1), size - 1)
    assert chosen.id not in _last_distinct(history, pool_ids, window)


@settings(max_examples=50, deadline=None)
@given(size=st.integers(min_value=1, max_value=30), seed=st.integers())
def test_a_long_run_never_repeats_back_to_back_or_within_the_window(size: int, seed: int) -> None:
    pool = _pool(size)
    rng = random.Random(seed)
    history: list[str] = []
    for _ in range(120):
        history.append(choose(pool, history, rng).id)
    window = min(DEFAULT_AVOID_LAST, size - 1) + 1
    for start in range(len(history) - window + 1):
        # Every run of window-many sends is all different.
        assert len(set(history[start : start + window])) == window


def test_the_same_seed_gives_the_same_choices() -> None:
    pool = _pool(25)

    def run(seed: str) -> list[str]:
        rng = random.Random(seed)
        history: list[str] = []
        for _ in range(40):
            history.append(choose(pool, history, rng).id)
        return history

    assert run("patient-7:2026-11-24") == run("patient-7:2026-11-24")
    assert run("patient-7:2026-11-24") != run("patient-8:2026-11-24")


def test_the_order_candidates_come_in_does_not_change_the_choice() -> None:
    pool = _pool(25)
    forwards = choose(pool, ["ack.003"], random.Random(42))
    backwards = choose(list(reversed(pool)), ["ack.003"], random.Random(42))
    assert forwards == backwards


def test_with_one_candidate_it_is_chosen_even_if_just_sent() -> None:
    [only] = _pool(1)
    assert choose([only], [only.id], random.Random(1)) == only


def test_with_two_candidates_they_alternate() -> None:
    pool = _pool(2)
    for seed in range(20):
        assert choose(pool, ["ack.000"], random.Random(seed)).id == "ack.001"
        assert choose(pool, ["ack.001", "ack.000"], random.Random(seed)).id == "ack.001"


def test_with_few_candidates_the_least_recent_is_chosen() -> None:
    pool = _pool(5)
    history = ["ack.004", "ack.000", "ack.001", "ack.002", "ack.003"]
    for seed in range(20):
        assert choose(pool, history, random.Random(seed)).id == "ack.004"


def test_nothing_to_choose_from_is_an_error() -> None:
    with pytest.raises(LookupError):
        choose([], [], random.Random(1))


def test_the_catalogue_chooses_by_kind_marker_and_context() -> None:
    catalogue = shipped()
    rng = random.Random(3)
    sleep = catalogue.choose(Kind.CELEBRATION, [], rng, marker=MarkerId.SLEEP)
    assert (sleep.kind, sleep.marker) == (Kind.CELEBRATION, MarkerId.SLEEP)
    for seed in range(30):
        after_flare = catalogue.choose(
            Kind.CHECKIN_ACK, [], random.Random(seed), conditions=Context(after_flare=True)
        )
        assert after_flare.conditions.after_flare is not False
        plain = catalogue.choose(Kind.CHECKIN_ACK, [], random.Random(seed))
        # A plain context never picks a variant written for a special one.
        assert plain.conditions.after_flare is not True
        assert plain.conditions.first_weeks is not True
        assert plain.conditions.time_of_day is None


def test_the_catalogue_avoids_a_persons_last_ten() -> None:
    catalogue = shipped()
    history: list[str] = []
    rng = random.Random("person-1")
    for _ in range(100):
        message = catalogue.choose(Kind.NUDGE, history, rng)
        assert message.id not in history[-10:]
        history.append(message.id)


def test_the_catalogue_refuses_a_kind_with_no_fitting_message() -> None:
    with pytest.raises(LookupError):
        shipped().choose(Kind.CELEBRATION, [], random.Random(1), marker=MarkerId.PAIN_DOMINANCE)
