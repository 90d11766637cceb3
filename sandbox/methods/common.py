"""Pieces shared by the sending methods: keyboards, replies, captions, delivery."""

from __future__ import annotations

import copy
from typing import Any

from sandbox import errors
from sandbox.call import Call
from sandbox.errors import bad_request
from sandbox.formatting import render
from sandbox.state import ChatState, StoredMessage

JSONDict = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

# Fields that give an inline button something to do; a button needs exactly one.
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)


def _check_button(button: Any) -> JSONDict:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request(errors.MARKUP_JSON)
    if not any(action in button for action in _BUTTON_ACTIONS):
        raise bad_request(errors.TEXT_BUTTON_IN_INLINE)
    if "callback_data" in button:
        data = button["callback_data"]
        size = len(data.encode()) if isinstance(data, str) else 0
        if not 1 <= size <= MAX_CALLBACK_DATA:
            raise bad_request(errors.BUTTON_DATA_INVALID)
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://", "tg://")):
            raise bad_request(errors.BUTTON_URL_INVALID)
    return dict(button)


def read_markup(call: Call) -> tuple[JSONDict | None, JSONDict | None]:
    """`reply_markup` as (inline keyboard for the Message object, other keyboard), validated.

    Telegram only echoes inline keyboards in the Message it returns; reply keyboards and
    keyboard removal are kept aside for the transcript.
    """
    markup = call.params.decoded("reply_markup", errors.MARKUP_JSON)
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise bad_request(errors.MARKUP_JSON)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(errors.MARKUP_JSON)
        checked = [[_check_button(button) for button in row] for row in rows]
        checked = [row for row in checked if row]
        return ({"inline_keyboard": checked} if checked else None), None
    if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
        return None, dict(markup)
    raise bad_request(errors.MARKUP_JSON)


def read_text(call: Call, name: str, limit: int, *, required: bool) -> tuple[str, list[JSONDict]]:
    """A text or caption parameter rendered for its parse_mode, with length checks."""
    raw = call.params.string(name) or ""
    text, entities = render(raw, call.params.string("parse_mode"))
    if not entities:
        given = call.params.decoded(
            "entities" if name == "text" else "caption_entities",
            "Bad Request: can't parse entities JSON object",
        )
        if isinstance(given, list):
            entities = given
    if required and not text.strip():
        raise bad_request(errors.TEXT_EMPTY)
    if len(text) > limit:
        raise bad_request(errors.TEXT_TOO_LONG if name == "text" else errors.CAPTION_TOO_LONG)
    return text, entities


def read_reply(call: Call, chat: ChatState) -> JSONDict | None:
    """The message being replied to (a copy, as Telegram nests it), if any."""
    params = call.params
    reply = params.decoded("reply_parameters", "Bad Request: can't parse reply parameters JSON")
    if isinstance(reply, dict):
        target = reply.get("message_id")
        allow = bool(reply.get("allow_sending_without_reply"))
    else:
        target = params.integer("reply_to_message_id")
        allow = params.flag("allow_sending_without_reply")
    if target is None:
        return None
    message = chat.messages.get(int(target))
    if message is None or message.deleted:
        if allow:
            return None
        raise bad_request(errors.REPLY_NOT_FOUND)
    nested = copy.deepcopy(message.data)
    nested.pop("reply_to_message", None)
    return nested


def deliver(
    call: Call,
    chat: ChatState,
    kind: str,
    content: JSONDict,
    markup: JSONDict | None,
    keyboard: JSONDict | None,
    reply: JSONDict | None,
) -> StoredMessage:
    """Add a bot message to `chat` and its transcript; wake waiters."""
    message_id = chat.new_message_id()
    data: JSONDict = {
        "message_id": message_id,
        "from": call.bot.user_json,
        "chat": chat.chat,
        "date": call.state.unix_now(),
        **content,
    }
    if reply is not None:
        data["reply_to_message"] = reply
    if markup is not None:
        data["reply_markup"] = markup
    stored = StoredMessage(message_id, True, data, kind, keyboard)
    chat.messages[message_id] = stored
    chat.transcript.append(stored)
    call.message_id = message_id
    call.bot.chat_changed(chat)
    return stored


def set_or_drop(data: JSONDict, key: str, value: Any) -> None:
    """Set `data[key]`, or remove it when `value` is empty (Telegram omits empty fields)."""
    if value:
        data[key] = value
    else:
        data.pop(key, None)
