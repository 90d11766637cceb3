"""Text messages, edits, deletion, callback answers and chat actions."""

from __future__ import annotations

from typing import Any

from sandbox import errors
from sandbox.call import Call
from sandbox.errors import bad_request
from sandbox.methods.common import (
    MAX_CAPTION,
    MAX_TEXT,
    deliver,
    read_markup,
    read_reply,
    read_text,
    set_or_drop,
)

MAX_ANSWER = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


async def send_message(call: Call) -> Any:
    """Send a text message (1..4096 characters after parsing) with an optional keyboard."""
    chat = call.chat()
    text, entities = read_text(call, "text", MAX_TEXT, required=True)
    markup, keyboard = read_markup(call)
    reply = read_reply(call, chat)
    call.gate(chat, counted=True)
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return deliver(call, chat, "text", content, markup, keyboard, reply).data


async def edit_message_text(call: Call) -> Any:
    """Replace a bot message's text; the keyboard becomes `reply_markup` (absent: removed)."""
    chat, message = call.message(errors.EDIT_NOT_FOUND)
    if not message.outgoing:
        raise bad_request(errors.CANT_EDIT)
    if message.kind != "text":
        raise bad_request(errors.NO_TEXT_TO_EDIT)
    text, entities = read_text(call, "text", MAX_TEXT, required=True)
    markup, _ = read_markup(call)
    data = message.data
    if (
        data.get("text") == text
        and data.get("entities", []) == entities
        and data.get("reply_markup") == markup
    ):
        raise bad_request(errors.NOT_MODIFIED)
    call.gate(chat, counted=False)
    data["text"] = text
    set_or_drop(data, "entities", entities)
    set_or_drop(data, "reply_markup", markup)
    data["edit_date"] = call.state.unix_now()
    call.bot.chat_changed(chat)
    return data


async def edit_message_caption(call: Call) -> Any:
    """Replace the caption of a bot photo or document."""
    chat, message = call.message(errors.EDIT_NOT_FOUND)
    if not message.outgoing:
        raise bad_request(errors.CANT_EDIT)
    if message.kind == "text":
        raise bad_request(errors.NO_CAPTION_TO_EDIT)
    caption, entities = read_text(call, "caption", MAX_CAPTION, required=False)
    markup, _ = read_markup(call)
    data = message.data
    if (
        data.get("caption", "") == caption
        and data.get("caption_entities", []) == entities
        and data.get("reply_markup") == markup
    ):
        raise bad_request(errors.NOT_MODIFIED)
    call.gate(chat, counted=False)
    set_or_drop(data, "caption", caption)
    set_or_drop(data, "caption_entities", entities)
    set_or_drop(data, "reply_markup", markup)
    data["edit_date"] = call.state.unix_now()
    call.bot.chat_changed(chat)
    return data


async def edit_message_reply_markup(call: Call) -> Any:
    """Replace (or, with no `reply_markup`, remove) a bot message's inline keyboard."""
    chat, message = call.message(errors.EDIT_NOT_FOUND)
    if not message.outgoing:
        raise bad_request(errors.CANT_EDIT)
    markup, _ = read_markup(call)
    data = message.data
    if data.get("reply_markup") == markup:
        raise bad_request(errors.NOT_MODIFIED)
    call.gate(chat, counted=False)
    set_or_drop(data, "reply_markup", markup)
    data["edit_date"] = call.state.unix_now()
    call.bot.chat_changed(chat)
    return data


async def delete_message(call: Call) -> Any:
    """Delete a message; it stays in the transcript marked deleted."""
    chat, message = call.message(errors.DELETE_NOT_FOUND)
    call.gate(chat, counted=False)
    message.deleted = True
    call.bot.chat_changed(chat)
    return True


async def answer_callback_query(call: Call) -> Any:
    """Answer a button press, once; the text (up to 200 characters) is kept per chat."""
    query_id = call.params.string("callback_query_id") or ""
    record = call.bot.callbacks.get(query_id)
    if record is None or record.answered:
        raise bad_request(errors.QUERY_INVALID)
    text = call.params.string("text")
    if text is not None and len(text) > MAX_ANSWER:
        raise bad_request(errors.ANSWER_TOO_LONG)
    call.chat_id = record.chat_id
    chat = call.bot.chats[record.chat_id]
    call.gate(chat, counted=False)
    record.answered = True
    chat.callback_answers.append(
        {
            "callback_query_id": query_id,
            "message_id": record.message_id,
            "data": record.data,
            "text": text,
            "show_alert": call.params.flag("show_alert"),
            "url": call.params.string("url"),
        }
    )
    call.bot.chat_changed(chat)
    return True


async def send_chat_action(call: Call) -> Any:
    """Show "typing…" and the like; only validated and logged."""
    chat = call.chat()
    if (call.params.string("action") or "") not in CHAT_ACTIONS:
        raise bad_request(errors.WRONG_ACTION)
    call.gate(chat, counted=False)
    return True
