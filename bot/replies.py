"""Sending replies in a 1:1 chat, counted by kind for the demo report."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Message, Update

from bot.context import N1Context


async def reply(
    update: Update,
    context: N1Context,
    kind: str,
    text: str,
    keyboard: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Send `text` to the chat the update came from and count it under `kind`."""
    chat = update.effective_chat
    if chat is None:
        return None
    message = await context.bot.send_message(chat.id, text, reply_markup=keyboard)
    context.services.sent_by_kind[kind] += 1
    return message
