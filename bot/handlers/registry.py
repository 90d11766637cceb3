"""Every handler N1 registers, in the order PTB should try them."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.commands import Command
from bot.handlers import info


def all_commands() -> list[Command]:
    """Every slash command N1 answers, in menu order."""
    return [
        Command("start", "Start or restart N1", info.start),
        Command("help", "What I can do", info.show_help),
        Command("privacy", "What I keep and who sees it", info.show_privacy),
    ]


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add N1's handlers and remember its command menu."""
    commands = all_commands()
    application.bot_data.commands = commands
    for command in commands:
        application.add_handler(CommandHandler(command.name, command.callback))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, info.not_understood)
    )
