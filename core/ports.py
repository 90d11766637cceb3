"""What N1's core needs from the outside world, described without naming Telegram.

`scheduler/` sends through a `Sender`; `bot/` implements it with python-telegram-bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True)
class Button:
    """An inline button: what it says and the (at most 64-byte) data it sends back."""

    label: str
    data: str


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to send: text (or a photo caption), optional buttons, optional photo."""

    text: str
    keyboard: Keyboard = ()
    # Photo bytes drawn just before sending (never kept in the outbox payload).
    photo: bytes | None = field(default=None, repr=False)

    def to_payload(self) -> dict[str, Any]:
        """A JSON-ready form, kept in the outbox until it is sent."""
        payload: dict[str, Any] = {"text": self.text}
        if self.keyboard:
            payload["keyboard"] = [
                [{"label": button.label, "data": button.data} for button in row]
                for row in self.keyboard
            ]
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> OutgoingMessage:
        """The message back from its outbox payload."""
        keyboard = tuple(
            tuple(Button(str(b["label"]), str(b["data"])) for b in row)
            for row in payload.get("keyboard", [])
        )
        return cls(str(payload["text"]), keyboard)


class SendStatus(StrEnum):
    """How a send attempt ended, in the terms the outbox needs to decide what to do next."""

    SENT = "sent"  # delivered; message_id is set
    RETRY_AFTER = "retry_after"  # flood limit: not delivered, wait retry_after seconds
    NOT_SENT = "not_sent"  # provably not delivered (connection refused, 5xx): may retry
    UNCERTAIN = "uncertain"  # may have been delivered (timeout after sending): never resend
    BLOCKED = "blocked"  # the person blocked the bot or left: stop writing to them
    REJECTED = "rejected"  # a permanent error for this message (400): do not retry


@dataclass(frozen=True)
class SendResult:
    """The outcome of one send attempt. `error` never contains message text."""

    status: SendStatus
    message_id: int | None = None
    retry_after: float = 0.0
    error: str | None = field(default=None)


class Sender(Protocol):
    """Sends one message to one chat and reports what happened, without raising."""

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendResult:
        """Try once to send `message` to `chat_id`."""
        ...
