"""JSON views of sandbox state for the control API: chats as a user sees them, and stats."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sandbox.faults import SENDING_METHODS
from sandbox.state import ChatState, SandboxState, StoredMessage

JSONDict = dict[str, Any]


def message_view(index: int, message: StoredMessage) -> JSONDict:
    """One bot message as the user sees it (edits applied)."""
    data = message.data
    rows = (data.get("reply_markup") or {}).get("inline_keyboard", [])
    view: JSONDict = {
        "index": index,
        "message_id": message.message_id,
        "date": data["date"],
        "kind": message.kind,
        "text": data.get("text", data.get("caption")),
        "entities": data.get("entities", data.get("caption_entities", [])),
        "buttons": [
            [
                {key: button[key] for key in ("text", "callback_data", "url") if key in button}
                for button in row
            ]
            for row in rows
        ],
        "keyboard": message.keyboard,
        "edited": "edit_date" in data,
        "edit_date": data.get("edit_date"),
        "deleted": message.deleted,
        "reply_to_message_id": (data.get("reply_to_message") or {}).get("message_id"),
        "file_id": None,
        "file_name": None,
    }
    if message.kind == "photo":
        view["file_id"] = data["photo"][-1]["file_id"]
    elif message.kind == "document":
        view["file_id"] = data["document"]["file_id"]
        view["file_name"] = data["document"].get("file_name")
    return view


def chat_view(chat_id: int, chat: ChatState | None) -> JSONDict:
    """A chat's transcript, callback answers and the bot's status in it."""
    if chat is None:
        return {
            "chat_id": chat_id,
            "exists": False,
            "version": 0,
            "bot_status": None,
            "messages": [],
            "callback_answers": [],
        }
    return {
        "chat_id": chat_id,
        "exists": True,
        "version": chat.version,
        "bot_status": chat.bot_status,
        "messages": [message_view(i, m) for i, m in enumerate(chat.transcript)],
        "callback_answers": list(chat.callback_answers),
    }


def stats_view(state: SandboxState) -> JSONDict:
    """Counts over the event log, plus what is pending."""
    calls: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    faults: Counter[str] = Counter()
    delivered = 0
    for event in state.events:
        calls[event.method] += 1
        statuses[str(event.status)] += 1
        if event.fault:
            faults[event.fault] += 1
        if event.ok and event.method.lower() in SENDING_METHODS:
            delivered += 1
    return {
        "bots": sorted(state.bots),
        "calls": dict(calls),
        "statuses": dict(statuses),
        "faults": dict(faults),
        "delivered": delivered,
        "updates_enqueued": sum(bot.updates_enqueued for bot in state.bots.values()),
        "pending_updates": sum(len(bot.updates) for bot in state.bots.values()),
        "chats": sum(len(bot.chats) for bot in state.bots.values()),
        "events": len(state.events),
    }
