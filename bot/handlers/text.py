"""Typed messages: text goes to one use-case (`usecases.typed`); anything else gets a pointer
to /help."""

from __future__ import annotations

from telegram import Update

from bot.context import N1Context
from bot.handlers.updates import private_ids
from bot.reply import reply
from messages import texts
from usecases import typed
from usecases.reaction import Reaction


async def text(update: Update, context: N1Context) -> None:
    """Typed text: an onboarding answer, a note, a setting, or else a pointer to /help."""
    ids = private_ids(update)
    message = update.effective_message
    if ids is None or message is None or message.text is None:
        return
    await reply(update, context, await typed.on_text(context.services, ids[0], message.text))


async def not_understood(update: Update, context: N1Context) -> None:
    """Anything else (a sticker, an unknown command) gets a pointer to /help, never an error."""
    await reply(update, context, Reaction().send("not_understood", texts.NOT_UNDERSTOOD))
