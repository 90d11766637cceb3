"""Pacing sends to stay inside Telegram's flood limits, and keeping each chat's order.

Telegram allows about 30 messages a second overall, one a second in a private chat and 20 a
minute in a group (Bot FAQ). The dispatcher spaces its sends evenly rather than in bursts, so
no sliding one-second window ever holds more than `per_second` of them, and by default it
keeps below 30 so the bot's direct replies to people who are tapping still fit. Per-chat
spacing carries a small margin because the server measures arrival, not departure.

A 429 holds its chat for `retry_after`; 429s from several chats in a row mean the bot-wide
limit was hit, and then everything waits. `ChatOrder` keeps a chat's messages in order when
one of them goes back to the queue, and stops sending to a chat that blocked the bot.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

# Above this many remembered chats, the ones whose spacing has passed are forgotten.
_PRUNE_AT: Final = 10_000
# 429s from this many different chats within a second mean the bot-wide limit was hit.
_GLOBAL_FLOOD_CHATS: Final = 3
# A message put back behind an earlier one of its chat goes this much after it.
_AFTER: Final = timedelta(microseconds=1)


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


class Pacer:
    """When the next send to a chat may start, given the sends so far and any 429 holds."""

    def __init__(self, limits: DeliveryLimits, monotonic: Callable[[], float]) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._next_global = 0.0
        self._held_until = 0.0
        self._next_chat: dict[int, float] = {}
        # 429s since the last accepted send: (time, chat).
        self._floods: deque[tuple[float, int]] = deque()

    def now(self) -> float:
        """The pace's clock."""
        return self._monotonic()

    def ready_at(self, chat_id: int) -> float:
        """The earliest time (on the pace's clock) a send to `chat_id` may start."""
        return max(self._next_global, self.chat_ready_at(chat_id))

    def chat_ready_at(self, chat_id: int) -> float:
        """When the chat itself is free again (ignoring the overall pace)."""
        return max(self._held_until, self._next_chat.get(chat_id, 0.0))

    def take(self, chat_id: int) -> None:
        """Record a send to `chat_id` starting now."""
        now = self._monotonic()
        limits = self.limits
        spacing = 1.0 / limits.per_second
        # The pace is kept against its own schedule, which may lag `now` by `burst` sends.
        self._next_global = max(now - limits.burst * spacing, self._next_global) + spacing
        interval = limits.group_interval if is_group(chat_id) else limits.private_chat_interval
        self._next_chat[chat_id] = now + interval
        if len(self._next_chat) > _PRUNE_AT:
            self._next_chat = {c: t for c, t in self._next_chat.items() if t > now}

    def accepted(self) -> None:
        """A send went through: whatever 429s came before were not the bot-wide limit."""
        self._floods.clear()

    def flood(self, chat_id: int, retry_after: float) -> None:
        """Telegram said 429: hold the chat, and everything if several chats hit it in a row.

        A lone 429 among accepted sends is that chat's own; when the bot-wide limit is hit,
        every send gets one until it clears, so 429s from several chats within a second
        with no send accepted between them mean that.
        """
        seconds = max(1.0, retry_after)
        now = self._monotonic()
        self._next_chat[chat_id] = max(self._next_chat.get(chat_id, 0.0), now + seconds)
        self._floods.append((now, chat_id))
        while self._floods and now - self._floods[0][0] > 1.0:
            self._floods.popleft()
        if len({chat for _, chat in self._floods}) >= _GLOBAL_FLOOD_CHATS:
            self._held_until = max(self._held_until, now + seconds)


class ChatOrder:
    """Within a dispatch round: chats that blocked the bot, and chats with a message put back
    in the queue, whose later messages go back too, just after it, so none overtakes it."""

    def __init__(self) -> None:
        self._blocked: set[int] = set()
        self._put_back: dict[int, datetime] = {}

    def block(self, chat_id: int) -> None:
        """The chat answered 403: none of its other messages is sent this round."""
        self._blocked.add(chat_id)

    def blocked(self, chat_id: int) -> bool:
        """Whether the chat answered 403 this round."""
        return chat_id in self._blocked

    def put_back(self, chat_id: int, until: datetime) -> None:
        """A message of the chat went back to the queue until `until`."""
        earlier = self._put_back.get(chat_id, until)
        self._put_back[chat_id] = max(until, earlier) + _AFTER

    def behind(self, chat_id: int) -> datetime | None:
        """When a later message of the chat may go, if an earlier one went back."""
        return self._put_back.get(chat_id)

    def clear(self) -> None:
        """Forget the round."""
        self._blocked.clear()
        self._put_back.clear()
