"""Button taps: the tap goes to one use-case (`usecases.buttons`), which checks and routes it."""

from __future__ import annotations

from telegram import MaybeInaccessibleMessage, Message, Update

from bot.context import N1Context
from bot.handlers.updates import private_ids
from bot.reply import reply
from usecases import buttons


async def button(update: Update, context: N1Context) -> None:
    """Any button tap in a 1:1 chat."""
    query = update.callback_query
    if query is None:
        return
    ids = private_ids(update)
    if ids is None:
        await query.answer()
        return
    reaction = await buttons.press(context.services, ids[0], query.data, _tapped(query.message))
    await reply(update, context, reaction)


def _tapped(message: MaybeInaccessibleMessage | None) -> buttons.Tapped:
    """The tapped message as Telegram has it; an old one is "inaccessible" (no content)."""
    if message is None:
        return buttons.Tapped(None, None, ())
    if not isinstance(message, Message):
        return buttons.Tapped(message.message_id, None, ())
    markup = message.reply_markup
    data = (
        {button.callback_data for row in markup.inline_keyboard for button in row}
        if markup is not None
        else set()
    )
    return buttons.Tapped(
        message.message_id, message.text, {d for d in data if isinstance(d, str)}
    )
