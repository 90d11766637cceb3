"""Telegram's flood limits as sliding windows on the sandbox clock.

Model (kept simple on purpose): for each limit, the sandbox remembers when each accepted
message was sent. A new message is refused with 429 if the last `window` seconds already hold
`count` accepted messages; `retry_after` is the whole number of seconds (at least 1) until the
oldest of them leaves the window. Refused messages are not delivered and do not count.
Only sending methods count (sendMessage, sendPhoto, sendDocument); edits and answers do not.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class SandboxLimits:
    """How many messages a bot may send; `None` turns a limit off."""

    global_per_second: int | None = 30
    private_chat_per_second: int | None = 1
    group_per_minute: int | None = 20

    @classmethod
    def off(cls) -> SandboxLimits:
        """No limits at all (for tests that are not about flood control)."""
        return cls(None, None, None)

    def to_json(self) -> dict[str, Any]:
        """The limits as a JSON object."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SandboxLimits:
        """Limits from a JSON object; missing keys keep their defaults."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown limit(s): {sorted(unknown)}")
        values: dict[str, int | None] = {}
        for key, value in data.items():
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{key} must be a positive integer or null")
            values[key] = value
        return cls(**values)


class _Window:
    """Times of accepted messages within the last `seconds`."""

    __slots__ = ("seconds", "times")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.times: deque[float] = deque()

    def retry_after(self, count: int, now: float) -> int | None:
        """Seconds to wait if one more message would exceed `count`, else None."""
        while self.times and now - self.times[0] >= self.seconds:
            self.times.popleft()
        if len(self.times) < count:
            return None
        # The message that must leave the window before one more fits.
        oldest = self.times[len(self.times) - count]
        return max(1, math.ceil(oldest + self.seconds - now))


class RateLimiter:
    """Applies `SandboxLimits` to one bot's sends, keyed by chat."""

    def __init__(self) -> None:
        self._global = _Window(1.0)
        self._chats: dict[int, _Window] = {}

    def admit(self, limits: SandboxLimits, chat_id: int, is_group: bool, now: float) -> int | None:
        """Record a send at `now` and return None, or return retry_after and record nothing."""
        checks: list[tuple[_Window, int]] = []
        if limits.global_per_second is not None:
            checks.append((self._global, limits.global_per_second))
        per_chat = limits.group_per_minute if is_group else limits.private_chat_per_second
        if per_chat is not None:
            window = self._chats.get(chat_id)
            if window is None:
                window = _Window(60.0 if is_group else 1.0)
                self._chats[chat_id] = window
            checks.append((window, per_chat))
        waits = [w for w in (window.retry_after(count, now) for window, count in checks) if w]
        if waits:
            return max(waits)
        for window, _ in checks:
            window.times.append(now)
        return None
