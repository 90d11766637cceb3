"""The `Sender` port over python-telegram-bot: one try, and an outcome instead of an exception.

How PTB's errors map to outcomes (`scheduler.sending` says what each means):
- `RetryAfter` (429) -> RETRY_AFTER with Telegram's `retry_after`;
- `Forbidden` (403: blocked, deactivated) -> BLOCKED;
- `BadRequest` (400, e.g. chat not found), `ChatMigrated` -> REJECTED;
- `TimedOut` caused by `httpx.ConnectTimeout`, `httpx.PoolTimeout` or aiohttp's
  `ConnectionTimeoutError` -> NOT_SENT (the request never left); any other timeout (read,
  write, or unknown) -> UNCERTAIN: Telegram may have delivered it, and `sendMessage` has
  no idempotency key, so it must not be resent blindly;
- `NetworkError` from a refused or failed connection, or a 5xx answer -> NOT_SENT; one raised
  while reading the answer (the connection dropped after the request went out) -> UNCERTAIN.
Errors carry the exception class and Telegram's description, never the message text.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiohttp
import httpx
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from core.ports import Keyboard, OutgoingMessage, SendResult, SendStatus

# Causes that prove the request was never sent, from either Bot API client N1 uses
# (PTB's httpx one, and `bot/aiohttp_request.py`, whose connect timeout covers the pool).
_NOT_SENT_TIMEOUTS = (httpx.ConnectTimeout, httpx.PoolTimeout, aiohttp.ConnectionTimeoutError)
# Causes that prove no connection was made (checked first: aiohttp's is an OSError too).
_NOT_CONNECTED = (aiohttp.ClientConnectorError,)
# Causes after which the request may have been received and acted on.
_AMBIGUOUS_NETWORK = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientPayloadError,
    aiohttp.ClientOSError,
)


def markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    """An inline keyboard for Telegram, or None when there are no buttons."""
    if not keyboard:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.label, callback_data=b.data) for b in row] for row in keyboard]
    )


def _retry_after_seconds(error: RetryAfter) -> float:
    # A timedelta with PTB_TIMEDELTA set (as `bot.app` does), whole seconds without it.
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _describe(error: BaseException) -> str:
    message = getattr(error, "message", None)
    name = type(error).__name__
    return f"{name}: {message}" if isinstance(message, str) and message else name


def classify(error: BaseException) -> SendResult:
    """The outcome a PTB (or other) exception from one send stands for."""
    description = _describe(error)
    if isinstance(error, RetryAfter):
        return SendResult(
            SendStatus.RETRY_AFTER, retry_after=_retry_after_seconds(error), error=description
        )
    if isinstance(error, Forbidden):
        return SendResult(SendStatus.BLOCKED, error=description)
    if isinstance(error, BadRequest | ChatMigrated):
        return SendResult(SendStatus.REJECTED, error=description)
    if isinstance(error, TimedOut):
        if isinstance(error.__cause__, _NOT_SENT_TIMEOUTS):
            return SendResult(SendStatus.NOT_SENT, error=description)
        return SendResult(SendStatus.UNCERTAIN, error=description)
    if isinstance(error, NetworkError):
        cause = error.__cause__
        if isinstance(cause, _AMBIGUOUS_NETWORK) and not isinstance(cause, _NOT_CONNECTED):
            return SendResult(SendStatus.UNCERTAIN, error=description)
        return SendResult(SendStatus.NOT_SENT, error=description)
    if isinstance(error, TelegramError):
        # Telegram answered with an error, so it did not deliver the message.
        return SendResult(SendStatus.NOT_SENT, error=description)
    return SendResult(SendStatus.UNCERTAIN, error=type(error).__name__)


class TelegramSender:
    """Sends `OutgoingMessage`s with a PTB bot."""

    def __init__(
        self,
        bot: Bot,
        *,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
    ) -> None:
        self._bot = bot
        self._timeouts: dict[str, Any] = {}
        if read_timeout is not None:
            self._timeouts["read_timeout"] = read_timeout
        if write_timeout is not None:
            self._timeouts["write_timeout"] = write_timeout

    async def send(self, chat_id: int, message: OutgoingMessage) -> SendResult:
        """Try once to send `message` to `chat_id`; never raises."""
        try:
            sent = await self._send(chat_id, message, message.photo)
        except Exception as error:
            return classify(error)
        return SendResult(SendStatus.SENT, message_id=sent.message_id)

    async def _send(self, chat_id: int, message: OutgoingMessage, photo: bytes | None) -> Message:
        buttons = markup(message.keyboard)
        if photo is None:
            return await self._bot.send_message(
                chat_id, message.text, reply_markup=buttons, **self._timeouts
            )
        return await self._bot.send_photo(
            chat_id, photo, caption=message.text, reply_markup=buttons, **self._timeouts
        )
