"""The Bot API methods the sandbox speaks, by lower-case name (Telegram ignores case)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.call import Call
from sandbox.methods import commands, media, messages, updates

Method = Callable[[Call], Awaitable[Any]]

_ALL: dict[str, Method] = {
    "getMe": updates.get_me,
    "getUpdates": updates.get_updates,
    "setWebhook": updates.set_webhook,
    "deleteWebhook": updates.delete_webhook,
    "getWebhookInfo": updates.get_webhook_info,
    "sendMessage": messages.send_message,
    "editMessageText": messages.edit_message_text,
    "editMessageCaption": messages.edit_message_caption,
    "editMessageReplyMarkup": messages.edit_message_reply_markup,
    "deleteMessage": messages.delete_message,
    "answerCallbackQuery": messages.answer_callback_query,
    "sendChatAction": messages.send_chat_action,
    "sendPhoto": media.send_photo,
    "sendDocument": media.send_document,
    "getFile": media.get_file,
    "setMyCommands": commands.set_my_commands,
    "getMyCommands": commands.get_my_commands,
    "deleteMyCommands": commands.delete_my_commands,
}

# Lower-case route name -> (canonical name for the event log, implementation).
METHODS: dict[str, tuple[str, Method]] = {name.lower(): (name, fn) for name, fn in _ALL.items()}
