"""Commands that only inform (/help and /privacy) and the reply to anything unexpected."""

from __future__ import annotations

from telegram import Update

from bot.commands import help_lines
from bot.context import N1Context
from bot.flows.reaction import Reaction
from bot.reactions import perform
from messages import texts


async def _say(update: Update, context: N1Context, kind: str, text: str) -> None:
    await perform(update, context, Reaction().send(kind, text))


async def show_help(update: Update, context: N1Context) -> None:
    """List the commands and the standing safety information."""
    commands = context.bot_data.commands
    await _say(update, context, "help", texts.HELP.format(commands=help_lines(commands)))


async def show_privacy(update: Update, context: N1Context) -> None:
    """Say what N1 keeps, who sees it, and what Telegram keeps."""
    await _say(update, context, "privacy", texts.PRIVACY)


async def not_understood(update: Update, context: N1Context) -> None:
    """Anything typed outside a flow gets a pointer to /help, never an error."""
    await _say(update, context, "not_understood", texts.NOT_UNDERSTOOD)
