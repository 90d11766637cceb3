"""The broadcast's call log per second (its "profile": the pace, not CPU, sets its time)."""

from __future__ import annotations

from benchmarks.broadcast import calls_per_second


def _call(at: float, status: int, method: str = "sendMessage") -> dict[str, object]:
    return {"method": method, "monotonic": at, "ok": status == 200, "status": status}


def test_calls_are_counted_per_second_from_the_first_send() -> None:
    events = [
        _call(10.2, 200),
        _call(10.9, 403),
        _call(11.1, 429),
        _call(11.5, 200),
        _call(11.6, 200, method="answerCallbackQuery"),  # not a send: not counted
        _call(13.0, 200),
    ]
    # Seconds count from the first send (10.2): 11.1 is still in the first one.
    assert calls_per_second(events) == ((0, 3, 1, 1, 1), (1, 1, 1, 0, 0), (2, 1, 1, 0, 0))


def test_no_sends_no_seconds() -> None:
    assert calls_per_second([_call(1.0, 200, method="getUpdates")]) == ()
