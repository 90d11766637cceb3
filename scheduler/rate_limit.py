"""Pacing sends to stay inside Telegram's flood limits.

Telegram allows about 30 messages a second overall, one a second in a private chat and 20 a
minute in a group (Bot FAQ). The dispatcher spaces its sends evenly rather than in bursts, so
no sliding one-second window ever holds more than `per_second` of them, and by default it
keeps below 30 so the bot's direct replies to people who are tapping still fit. Per-chat
spacing carries a small margin because the server measures arrival, not departure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

# Above this many remembered chats, the ones whose spacing has passed are forgotten.
_PRUNE_AT: Final = 10_000


@dataclass(frozen=True)
class DeliveryLimits:
    """How fast the dispatcher may send. Times are in seconds of the dispatcher's clock."""

    # Overall; Telegram's limit is about 30/s and replies to taps share it.
    per_second: float = 25.0
    # One message a second in a private chat (with a margin).
    private_chat_interval: float = 1.05
    # 20 messages a minute in a group (with a margin).
    group_interval: float = 3.1
    # Sends that may go closer together than the pace to catch up with it: a timer always
    # fires a little late, and at hundreds a second those delays add up to a slower pace.
    # A one-second window then holds at most per_second + burst + 1 sends. 0: strict spacing.
    burst: int = 0

    def __post_init__(self) -> None:
        if self.per_second <= 0:
            raise ValueError("per_second must be positive")
        if self.private_chat_interval < 0 or self.group_interval < 0 or self.burst < 0:
            raise ValueError("intervals and burst must not be negative")

    @classmethod
    def unlimited(cls) -> DeliveryLimits:
        """No pacing at all (tests that are not about flood limits)."""
        return cls(per_second=1e9, private_chat_interval=0.0, group_interval=0.0)


def is_group(chat_id: int) -> bool:
    """Group and channel chat ids are negative; private chats are the user's positive id."""
    return chat_id < 0


class RateLimiter:
    """When the next send to a chat may start, given the sends so far and any 429 holds."""

    def __init__(self, limits: DeliveryLimits, monotonic: Callable[[], float]) -> None:
        self._limits = limits
        self._monotonic = monotonic
        self._next_global = 0.0
        self._held_until = 0.0
        self._next_chat: dict[int, float] = {}

    @property
    def limits(self) -> DeliveryLimits:
        """The limits in force."""
        return self._limits

    def ready_at(self, chat_id: int) -> float:
        """The earliest time (on the monotonic clock) a send to `chat_id` may start."""
        return max(self._next_global, self._held_until, self._next_chat.get(chat_id, 0.0))

    def chat_ready_at(self, chat_id: int) -> float:
        """When the chat itself is free again (ignoring the overall pace)."""
        return max(self._held_until, self._next_chat.get(chat_id, 0.0))

    def take(self, chat_id: int) -> None:
        """Record a send to `chat_id` starting now."""
        now = self._monotonic()
        limits = self._limits
        spacing = 1.0 / limits.per_second
        # The pace is kept against its own schedule, which may lag `now` by `burst` sends.
        self._next_global = max(now - limits.burst * spacing, self._next_global) + spacing
        interval = limits.group_interval if is_group(chat_id) else limits.private_chat_interval
        self._next_chat[chat_id] = now + interval
        if len(self._next_chat) > _PRUNE_AT:
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}

    def hold_chat(self, chat_id: int, seconds: float) -> None:
        """Send nothing to `chat_id` for `seconds` (Telegram said 429 for it)."""
        until = self._monotonic() + max(0.0, seconds)
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), until)

    def hold_all(self, seconds: float) -> None:
        """Send nothing at all for `seconds` (Telegram's overall flood limit was hit)."""
        self._held_until = max(self._held_until, self._monotonic() + max(0.0, seconds))
