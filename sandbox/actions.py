"""What simulated users do: write, tap buttons, block the bot, add it to groups.

Each action changes the sandbox state and queues the update Telegram would send the bot.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sandbox.objects import UserProfile, bot_username, member_json
from sandbox.state import BotState, CallbackRecord, ChatState, SandboxState, StoredMessage

JSONDict = dict[str, Any]

_COMMAND = re.compile(r"^/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?")


class ActionError(Exception):
    """A simulated action that cannot happen (no such button, bot not in the group, ...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def private_chat(bot: BotState, user: UserProfile) -> ChatState:
    """The private chat with `user`, made (silently) if new; the profile is refreshed."""
    bot.users[user.id] = user
    chat = bot.chats.get(user.id)
    chat_json: JSONDict = {"id": user.id, "type": "private", "first_name": user.first_name}
    if user.last_name:
        chat_json["last_name"] = user.last_name
    if user.username:
        chat_json["username"] = user.username
    if chat is None:
        chat = bot.chats[user.id] = ChatState(chat=chat_json)
    else:
        chat.chat.clear()
        chat.chat.update(chat_json)
    return chat


def _chat_for(bot: BotState, chat_id: int, user: UserProfile) -> ChatState:
    if chat_id > 0:
        if chat_id != user.id:
            raise ActionError(400, "a private chat's id is the user's id")
        return private_chat(bot, user)
    bot.users[user.id] = user
    chat = bot.chats.get(chat_id)
    if chat is None or chat.bot_status != "member":
        raise ActionError(409, f"the bot is not a member of group {chat_id}")
    return chat


def command_entities(text: str) -> list[JSONDict]:
    """The bot_command entity a Telegram app adds when a message starts with /command."""
    match = _COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": match.end()}]


def _group_sees(bot: BotState, text: str, reply_to: StoredMessage | None) -> bool:
    # Privacy mode (on by default): in groups a bot gets commands, replies to it, mentions.
    return (
        text.startswith("/")
        or (reply_to is not None and reply_to.outgoing)
        or f"@{bot_username(bot.bot_id)}" in text
    )


def send_text(
    state: SandboxState,
    bot: BotState,
    chat_id: int,
    user: UserProfile,
    text: str,
    entities: list[JSONDict] | None = None,
    reply_to_message_id: int | None = None,
) -> JSONDict:
    """A user writes `text` in a chat; a blocked private chat is unblocked first (Restart)."""
    if not text:
        raise ActionError(400, "text must not be empty")
    chat = _chat_for(bot, chat_id, user)
    if not chat.is_group and chat.bot_status == "kicked":
        set_membership(state, bot, chat_id, user, "member")
    reply_to = None
    if reply_to_message_id is not None:
        reply_to = chat.messages.get(reply_to_message_id)
        if reply_to is None or reply_to.deleted:
            raise ActionError(404, f"no message {reply_to_message_id} in chat {chat_id}")
    message_id = chat.new_message_id()
    data: JSONDict = {
        "message_id": message_id,
        "from": user.to_json(),
        "chat": chat.chat,
        "date": state.unix_now(),
        "text": text,
    }
    entities = command_entities(text) if entities is None else entities
    if entities:
        data["entities"] = entities
    if reply_to is not None:
        nested = copy.deepcopy(reply_to.data)
        nested.pop("reply_to_message", None)
        data["reply_to_message"] = nested
    chat.messages[message_id] = StoredMessage(message_id, False, data, "text")
    update_id = None
    if not chat.is_group or _group_sees(bot, text, reply_to):
        update_id = bot.enqueue("message", copy.deepcopy(data))
    return {"update_id": update_id, "message_id": message_id}


def press(
    state: SandboxState,
    bot: BotState,
    chat_id: int,
    user: UserProfile,
    *,
    label: str | None = None,
    message_id: int | None = None,
    data: str | None = None,
) -> JSONDict:
    """Tap an inline button: by `label` on the newest bot message that has it, or forge
    `data` on message `message_id`. Queues a callback_query update."""
    chat = _chat_for(bot, chat_id, user)
    if label is not None:
        message, data = _find_button(chat, label)
    else:
        if message_id is None or data is None:
            raise ActionError(400, "give a label, or a message_id and data")
        found = chat.messages.get(message_id)
        if found is None or found.deleted or not found.outgoing:
            raise ActionError(404, f"no bot message {message_id} in chat {chat_id}")
        message = found
    query_id = str(4_000_000_000_000_000 + state.next_id())
    bot.callbacks[query_id] = CallbackRecord(query_id, chat.id, message.message_id, data)
    query = {
        "id": query_id,
        "from": user.to_json(),
        "message": copy.deepcopy(message.data),
        "chat_instance": str(abs(chat.id) * 7919 + bot.bot_id),
        "data": data,
    }
    update_id = bot.enqueue("callback_query", query)
    return {
        "update_id": update_id,
        "callback_query_id": query_id,
        "message_id": message.message_id,
        "data": data,
    }


def _find_button(chat: ChatState, label: str) -> tuple[StoredMessage, str]:
    for message in reversed(chat.transcript):
        if message.deleted:
            continue
        rows = (message.data.get("reply_markup") or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if button.get("text") == label:
                    if "callback_data" not in button:
                        raise ActionError(400, f"button {label!r} has no callback_data")
                    return message, str(button["callback_data"])
    raise ActionError(404, f"no bot message in chat {chat.id} has a button {label!r}")


def set_membership(
    state: SandboxState,
    bot: BotState,
    chat_id: int,
    user: UserProfile,
    status: str,
    title: str | None = None,
) -> JSONDict:
    """Change the bot's status in a chat and queue the my_chat_member update.

    Private chats: "kicked" is the user blocking the bot, "member" unblocking it.
    Groups (negative ids): "member" adds the bot, "left" or "kicked" removes it.
    """
    if status not in ("member", "left", "kicked"):
        raise ActionError(400, "status must be member, left or kicked")
    bot.users[user.id] = user
    if chat_id > 0:
        if chat_id != user.id:
            raise ActionError(400, "only the user can block the bot in a private chat")
        if status == "left":
            raise ActionError(400, "a private chat can only be kicked (blocked) or member")
        chat = private_chat(bot, user)
        old = chat.bot_status
    else:
        existing = bot.chats.get(chat_id)
        if existing is None:
            group_json = {"id": chat_id, "type": "group", "title": title or f"Group {-chat_id}"}
            existing = bot.chats[chat_id] = ChatState(chat=group_json, bot_status="left")
        elif title:
            existing.chat["title"] = title
        chat = existing
        old = chat.bot_status
    if old == status:
        return {"update_id": None, "status": status}
    chat.bot_status = status
    update_id = bot.enqueue(
        "my_chat_member",
        {
            "chat": copy.deepcopy(chat.chat),
            "from": user.to_json(),
            "date": state.unix_now(),
            "old_chat_member": member_json(bot.user_json, old),
            "new_chat_member": member_json(bot.user_json, status),
        },
    )
    bot.chat_changed(chat)
    return {"update_id": update_id, "status": status}
