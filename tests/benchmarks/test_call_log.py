"""Reading the sandbox's call log: the broadcast's deliveries, calls per second and the share
of the rate limit's window its steady part used."""

from __future__ import annotations

from benchmarks.call_log import Second, calls_per_second, deliveries, steady_window_use


def _call(
    at: float, status: int = 200, method: str = "sendMessage", chat: int = 1
) -> dict[str, object]:
    return {"method": method, "monotonic": at, "ok": status == 200, "status": status,
            "chat_id": chat}  # fmt: skip


def test_calls_are_counted_per_second_from_the_first_send() -> None:
    events = [
        _call(10.2),
        _call(10.9, 403),
        _call(11.1, 429),
        _call(11.5),
        _call(11.6, method="answerCallbackQuery"),  # not a send: not counted
        _call(13.0),
    ]
    # Seconds count from the first send (10.2): 11.1 is still in the first one.
    assert calls_per_second(events) == (
        Second(0, 3, 1, 1, 1),
        Second(1, 1, 1, 0, 0),
        Second(2, 1, 1, 0, 0),
    )


def test_no_sends_no_seconds() -> None:
    assert calls_per_second([_call(1.0, method="getUpdates")]) == ()


def test_deliveries_count_accepted_sends_to_the_chats_asked_about() -> None:
    events = [
        _call(1.0, chat=1),
        _call(1.1, chat=1),  # a duplicate
        _call(1.2, 429, chat=2),  # refused: not delivered
        _call(1.3, chat=2, method="sendPhoto"),
        _call(1.4, chat=3),  # not one of the chats asked about
        _call(1.5, chat=2, method="editMessageText"),
    ]
    assert deliveries(events, {1, 2}) == {1: 2, 2: 1}


def test_the_steady_part_runs_from_a_second_after_the_start_to_the_last_first_try() -> None:
    broadcast = [_call(10.0 + n / 10, chat=100 + n) for n in range(40)]  # 10.0 .. 13.9
    replies = [_call(10.05 + n / 10, chat=1) for n in range(50)]  # 10.05 .. 14.95
    retry = [_call(15.0, chat=100)]  # a retried 429, after every first try
    refused = [_call(12.55, 429, chat=2)]  # refused calls take their place in the window
    use = steady_window_use([*broadcast, *replies, *retry, *refused], set(range(100, 140)))
    assert (use.start, use.end) == (11.0, 13.9)
    # In [11.0, 13.9): broadcast 11.0 .. 13.8 (29), replies 11.05 .. 13.85 (29), one refused.
    assert use.calls == 29 + 29 + 1
    assert abs(use.per_second - 59 / 2.9) < 1e-9
    assert abs(use.of_limit(20) - 59 / 2.9 / 20) < 1e-9


def test_a_broadcast_that_never_started_used_nothing() -> None:
    use = steady_window_use([_call(1.0, chat=1)], {5})
    assert (use.calls, use.per_second, use.of_limit(300)) == (0, 0.0, 0.0)
