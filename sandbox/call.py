"""One Bot API call in flight: its parameters, the chat it targets, and the delivery gate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sandbox import errors
from sandbox.errors import ApiError, bad_request
from sandbox.params import Params
from sandbox.state import BotState, ChatState, SandboxState, StoredMessage


class WebhookControl(Protocol):
    """What methods need from the webhook pusher."""

    def webhook_changed(self, bot: BotState) -> None:
        """Start, restart or stop pushing updates for `bot` after its webhook changed."""
        ...


@dataclass
class Call:
    """A Bot API call: inputs, plus what the event log should say about it."""

    state: SandboxState
    bot: BotState
    method: str  # lower case, as routed
    params: Params
    webhooks: WebhookControl
    chat_id: int | None = None
    message_id: int | None = None
    fault: str | None = None
    delay: float = 0.0  # real seconds to hold the answer back ("timeout" fault)

    def chat(self) -> ChatState:
        """The chat named by `chat_id`; 400 "chat not found" if the bot has never seen it."""
        raw = self.params.string("chat_id")
        if raw is None or raw == "":
            raise bad_request(errors.CHAT_ID_EMPTY)
        try:
            chat_id = int(raw)
        except ValueError:
            # "@channelusername" targets are not modelled: no such chat here.
            raise bad_request(errors.CHAT_NOT_FOUND) from None
        self.chat_id = chat_id
        chat = self.bot.chats.get(chat_id)
        if chat is None:
            raise bad_request(errors.CHAT_NOT_FOUND)
        return chat

    def message(self, not_found: str) -> tuple[ChatState, StoredMessage]:
        """The chat and message named by `chat_id` and `message_id` (not deleted)."""
        if self.params.string("chat_id") is None and self.params.string("inline_message_id"):
            raise bad_request("Bad Request: MESSAGE_ID_INVALID")
        chat = self.chat()
        message_id = self.params.integer("message_id", not_found)
        if message_id is None:
            raise bad_request(errors.MESSAGE_ID_MISSING)
        self.message_id = message_id
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise bad_request(not_found)
        return chat, message

    def gate(self, chat: ChatState, *, counted: bool) -> None:
        """Refuse the call if the chat blocked the bot, a fault fires, or a limit is hit.

        Runs after validation (so a 400 is never hidden) and before any state changes.
        `counted` calls are the sending methods that Telegram's flood limits apply to.
        """
        if chat.bot_status == "kicked" or chat.id in self.state.faults.blocked_user_ids:
            raise errors.forbidden(errors.KICKED_FROM_GROUP if chat.is_group else errors.BLOCKED)
        if chat.is_group and chat.bot_status != "member":
            raise errors.forbidden("Forbidden: bot is not a member of the group chat")
        fault = self.state.faults.take(self.method, chat.id)
        if fault is not None:
            self.fault = fault.kind
            if fault.kind == "429":
                raise errors.too_many_requests(fault.retry_after)
            if fault.kind == "403":
                raise errors.forbidden()
            if fault.kind == "5xx":
                raise errors.server_error(fault.status)
            self.delay = fault.delay  # "timeout": carry out the call, answer late
        if counted:
            retry_after = self.bot.limiter.admit(
                self.state.limits, chat.id, chat.is_group, self.state.clock.monotonic()
            )
            if retry_after is not None:
                raise errors.too_many_requests(retry_after)


def conflict(description: str) -> ApiError:
    """A 409 Conflict."""
    return ApiError(409, description)
