"""N1's PTB bot: PTB's own, plus a lean edit for the reply to a tap and lighter taps.

Every check-in tap ends with the check-in's message edited (the new question and its
buttons). Through `edit_message_text` PTB builds a `InlineKeyboardButton` per button, turns
them back into JSON, and parses the edited message Telegram returns into a `Message`, which
nothing reads: about 0.6 ms of CPU per tap, a sixth of all a tap costs the bot. The
lean edit sends the same JSON and keeps PTB's request path (errors, timeouts, defaults).

Every tap also arrives with the whole message it was pressed on, buttons included, and PTB
builds an object per button; N1 reads only the message's id and chat, never its buttons.
`drop_tapped_keyboard` removes them from the update before PTB parses it (`getUpdates`
here, and `bot.app.feed_update`): about a twentieth of a tap's CPU.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot

from core.ports import Keyboard


def keyboard_json(keyboard: Keyboard) -> dict[str, Any]:
    """An inline keyboard as the Bot API's JSON, as PTB's `InlineKeyboardMarkup.to_dict`
    gives it for buttons with a label and callback data."""
    return {
        "inline_keyboard": [
            [{"text": button.label, "callback_data": button.data} for button in row]
            for row in keyboard
        ]
    }


def drop_tapped_keyboard(update: dict[str, Any]) -> None:
    """Remove the buttons of the message a callback query's button sits on (N1 never reads
    them) from an update as the Bot API sends it, before PTB parses it."""
    query = update.get("callback_query")
    if isinstance(query, dict):
        message = query.get("message")
        if isinstance(message, dict):
            message.pop("reply_markup", None)


class LeanBot(ExtBot[None]):
    """PTB's `ExtBot`, with `edit_text` for the hottest Bot API call N1 makes, and taps'
    updates without the buttons of the message they were pressed on."""

    async def _post(self, endpoint: str, *args: Any, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, *args, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            for update in result:
                if isinstance(update, dict):
                    drop_tapped_keyboard(update)
        return result

    async def edit_text(
        self, chat_id: int, message_id: int, text: str, keyboard: Keyboard
    ) -> None:
        """`editMessageText` with these buttons (none: the keyboard goes), without parsing
        the edited message Telegram sends back. Raises what `edit_message_text` raises."""
        data: dict[str, Any] = {"chat_id": chat_id, "message_id": message_id, "text": text}
        if keyboard:
            data["reply_markup"] = keyboard_json(keyboard)
        # `_post` is the request path every PTB method ends in (defaults, rate limiter,
        # errors); what it returns here, the edited message, is left unparsed.
        await self._post("editMessageText", data)
