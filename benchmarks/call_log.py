"""Reading the sandbox's Bot API call log: deliveries per chat, calls per second, and how
much of the rate limit's window a stretch of it used."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.faults import SENDING_METHODS

Event = Mapping[str, Any]


def is_send(event: Event) -> bool:
    """Whether the call was a `sendMessage` (photo and document sends are not in the
    window figures: the benchmarks that read them send text only)."""
    return str(event["method"]).lower() == "sendmessage"


def deliveries(events: Iterable[Event], chats: Collection[int]) -> Counter[int]:
    """Successful sends (message, photo, document) per chat, for the chats in `chats`."""
    return Counter(
        int(e["chat_id"])
        for e in events
        if e["ok"] and str(e["method"]).lower() in SENDING_METHODS and e["chat_id"] in chats
    )


@dataclass(frozen=True)
class Second:
    """`sendMessage` calls in one second of the sandbox's clock, counted from the first."""

    second: int
    calls: int
    accepted: int
    blocked: int
    too_many: int


def calls_per_second(events: Iterable[Event]) -> tuple[Second, ...]:
    """`sendMessage` calls per second from the first one: calls, accepted, refused with 403
    (blocked) and refused with 429."""
    sends = [e for e in events if is_send(e)]
    if not sends:
        return ()
    first = min(float(e["monotonic"]) for e in sends)
    counts: dict[int, list[int]] = {}
    for event in sends:
        tally = counts.setdefault(int(float(event["monotonic"]) - first), [0, 0, 0, 0])
        tally[0] += 1
        tally[1] += bool(event["ok"])
        tally[2] += event["status"] == 403
        tally[3] += event["status"] == 429
    return tuple(Second(second, *tally) for second, tally in sorted(counts.items()))


@dataclass(frozen=True)
class WindowUse:
    """`sendMessage` calls the sandbox received in the steady part of a broadcast."""

    start: float
    end: float
    calls: int

    @property
    def seconds(self) -> float:
        """How long the steady part lasted."""
        return self.end - self.start

    @property
    def per_second(self) -> float:
        """Calls per second in the steady part (0 if it has no length)."""
        return self.calls / self.seconds if self.seconds > 0 else 0.0

    def of_limit(self, limit: float) -> float:
        """Calls per second over the limit (1.0: the window was full)."""
        return self.per_second / limit


def steady_window_use(
    events: Sequence[Event], broadcast_chats: Collection[int], *, ramp: float = 1.0
) -> WindowUse:
    """`sendMessage` calls of every kind (the broadcast's, replies, refused ones) from `ramp`
    seconds after the first call to a broadcast chat until the last chat had its first try.

    The steady part leaves out the start (the dispatcher's first reads and marks) and the
    tail, where only messages refused with 429 wait out their `retry_after`.
    """
    first_try: dict[int, float] = {}
    for event in events:
        chat = event["chat_id"]
        if is_send(event) and chat in broadcast_chats and chat not in first_try:
            first_try[chat] = float(event["monotonic"])
    if not first_try:
        return WindowUse(0.0, 0.0, 0)
    start = min(first_try.values()) + ramp
    end = max(first_try.values())
    calls = sum(1 for e in events if is_send(e) and start <= float(e["monotonic"]) < end)
    return WindowUse(start, max(start, end), calls)
