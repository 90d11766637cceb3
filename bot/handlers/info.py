"""Commands that only inform: /start's introduction for now, /help and /privacy."""

from __future__ import annotations

from telegram import Update

from bot.commands import help_lines
from bot.context import N1Context
from bot.replies import reply
from core.usecases.registration import register_patient
from messages import texts


async def start(update: Update, context: N1Context) -> None:
    """Introduce N1 and remember the chat so it can write back later."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    services = context.services
    join_code = context.args[0] if context.args else None
    await register_patient(
        services.session_factory, services.clock, user.id, chat.id, join_code=join_code
    )
    await reply(update, context, "intro", texts.INTRO)


async def show_help(update: Update, context: N1Context) -> None:
    """List the commands and the standing safety information."""
    commands = context.bot_data.commands
    await reply(update, context, "help", texts.HELP.format(commands=help_lines(commands)))


async def show_privacy(update: Update, context: N1Context) -> None:
    """Say what N1 keeps, who sees it, and what Telegram keeps."""
    await reply(update, context, "privacy", texts.PRIVACY)


async def not_understood(update: Update, context: N1Context) -> None:
    """Anything typed outside a flow gets a pointer to /help, never an error."""
    await reply(update, context, "not_understood", texts.NOT_UNDERSTOOD)
