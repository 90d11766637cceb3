"""What the sandbox remembers: bots, chats, messages, pending updates, files, the event log."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.clock import Clock
from sandbox.faults import FaultInjector
from sandbox.limits import RateLimiter, SandboxLimits
from sandbox.objects import UserProfile, bot_user_json

JSONDict = dict[str, Any]

# Update types Telegram sends when allowed_updates was never given (or given as []).
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)


class Signal:
    """Wakes every current waiter when fired; waiters then re-check their own condition.

    An `asyncio.Event` that is replaced on each fire, so nobody busy-waits and a fire that
    happens before a waiter starts is seen through the waiter's own re-check.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake everyone waiting now."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float | None) -> None:
        """Return when fired or after `seconds` real seconds (None: no limit)."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)


@dataclass
class StoredMessage:
    """A message in a chat; `data` is the Telegram `Message` object, kept current."""

    message_id: int
    outgoing: bool  # sent by the bot
    data: JSONDict
    kind: str  # "text", "photo" or "document"
    keyboard: JSONDict | None = None  # a reply keyboard (not in `data`, as Telegram does)
    deleted: bool = False


@dataclass
class ChatState:
    """One chat between the bot and a user or a group."""

    chat: JSONDict  # the Telegram `Chat` object
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    transcript: list[StoredMessage] = field(default_factory=list)  # bot messages, in order
    callback_answers: list[JSONDict] = field(default_factory=list)
    next_message_id: int = 1
    version: int = 0  # bumped on every change the user can see
    bot_status: str = "member"  # "kicked" means blocked (private) or removed (group)

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.chat["id"])

    @property
    def is_group(self) -> bool:
        """Whether this is a group (negative id) rather than a private chat."""
        return bool(self.chat["type"] != "private")

    def new_message_id(self) -> int:
        """The next message id in this chat."""
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class CallbackRecord:
    """A button press the bot should answer once."""

    query_id: str
    chat_id: int
    message_id: int
    data: str
    answered: bool = False


@dataclass
class StoredFile:
    """An uploaded file, downloadable through getFile and the file URL."""

    file_id: str
    unique_id: str
    path: str
    content: bytes
    mime_type: str | None = None
    file_name: str | None = None


@dataclass
class WebhookConfig:
    """Where and how updates are pushed when a webhook is set."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True)
class Event:
    """One Bot API call as the sandbox saw it."""

    seq: int
    bot_id: int
    method: str
    chat_id: int | None
    at: datetime
    monotonic: float
    status: int  # HTTP status of the answer
    description: str | None = None  # None when ok
    message_id: int | None = None
    fault: str | None = None  # injected fault kind, if any

    @property
    def ok(self) -> bool:
        """Whether the call succeeded on the server (a "timeout" fault still succeeds)."""
        return self.status == 200

    def to_json(self) -> JSONDict:
        """The event as JSON."""
        return {
            "seq": self.seq,
            "bot_id": self.bot_id,
            "method": self.method,
            "chat_id": self.chat_id,
            "at": self.at.isoformat(),
            "monotonic": self.monotonic,
            "status": self.status,
            "ok": self.ok,
            "description": self.description,
            "message_id": self.message_id,
            "fault": self.fault,
        }


class BotState:
    """Everything one bot (one token id) has: chats, updates, webhook, commands, files."""

    def __init__(self, bot_id: int) -> None:
        self.bot_id = bot_id
        self.user_json = bot_user_json(bot_id)
        self.users: dict[int, UserProfile] = {}
        self.chats: dict[int, ChatState] = {}
        self._chat_signals: dict[int, Signal] = {}
        self.updates: deque[JSONDict] = deque()
        self.next_update_id = 1
        self.update_signal = Signal()
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.poll_generation = 0
        self.webhook: WebhookConfig | None = None
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.files: dict[str, StoredFile] = {}
        self.limiter = RateLimiter()
        self.updates_enqueued = 0

    def chat_signal(self, chat_id: int) -> Signal:
        """The signal fired when chat `chat_id` changes (made on demand, even before the chat)."""
        signal = self._chat_signals.get(chat_id)
        if signal is None:
            signal = self._chat_signals[chat_id] = Signal()
        return signal

    def chat_changed(self, chat: ChatState) -> None:
        """Note a visible change in `chat` and wake whoever waits on it."""
        chat.version += 1
        self.chat_signal(chat.id).fire()

    def wake_all(self) -> None:
        """Wake every long poll and transcript waiter of this bot."""
        self.update_signal.fire()
        for signal in self._chat_signals.values():
            signal.fire()

    def enqueue(self, kind: str, payload: JSONDict) -> int | None:
        """Queue an update of `kind`; None if allowed_updates filters it out (as Telegram)."""
        if kind not in self.allowed_updates:
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        self.updates.append({"update_id": update_id, kind: payload})
        self.updates_enqueued += 1
        self.update_signal.fire()
        return update_id

    def confirm(self, offset: int) -> None:
        """Drop updates before `offset` (Telegram's getUpdates confirmation)."""
        if offset < 0:
            # A negative offset keeps only the last -offset updates.
            while len(self.updates) > -offset:
                self.updates.popleft()
            return
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        """Apply allowed_updates: None keeps the last setting, [] means the default set."""
        if allowed is None:
            return
        self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES
        kept = [u for u in self.updates if _update_kind(u) in self.allowed_updates]
        self.updates = deque(kept)


def _update_kind(update: JSONDict) -> str:
    return next(key for key in update if key != "update_id")


class SandboxState:
    """The whole sandbox: bots by id, limits, faults, the clock and the event log."""

    def __init__(self, clock: Clock, limits: SandboxLimits, seed: int) -> None:
        self.clock = clock
        self.limits = limits
        self.faults = FaultInjector(seed=seed)
        self.bots: dict[int, BotState] = {}
        self.events: list[Event] = []
        self.closed = False
        self._next_id = 1

    def bot(self, bot_id: int) -> BotState:
        """The state of bot `bot_id`, made on first use."""
        state = self.bots.get(bot_id)
        if state is None:
            state = self.bots[bot_id] = BotState(bot_id)
        return state

    def unix_now(self) -> int:
        """The sandbox clock as integer Unix seconds (Telegram's `date`)."""
        return int(self.clock.now().timestamp())

    def next_id(self) -> int:
        """A sandbox-wide counter for file ids, query ids and the like."""
        value = self._next_id
        self._next_id += 1
        return value

    def record(
        self,
        bot_id: int,
        method: str,
        chat_id: int | None,
        status: int,
        description: str | None,
        message_id: int | None,
        fault: str | None,
    ) -> Event:
        """Append an event for one Bot API call."""
        event = Event(
            seq=len(self.events) + 1,
            bot_id=bot_id,
            method=method,
            chat_id=chat_id,
            at=self.clock.now(),
            monotonic=self.clock.monotonic(),
            status=status,
            description=description,
            message_id=message_id,
            fault=fault,
        )
        self.events.append(event)
        return event

    def wake_all(self) -> None:
        """Wake every waiter (used on shutdown so long polls end at once)."""
        for bot in self.bots.values():
            bot.wake_all()
