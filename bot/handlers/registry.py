"""Every handler N1 registers, in the order PTB should try them."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands import Command
from bot.handlers import info, journey
from bot.handlers.delivery import delivery_handlers


def all_commands() -> list[Command]:
    """Every slash command N1 answers, in menu order."""
    return [
        Command("checkin", "Check in now", journey.checkin_command),
        Command("summary", "Your latest weekly summary", journey.summary_command),
        Command("settings", "See and change your choices", journey.settings_command),
        Command("pause", "Take a break from messages", journey.pause_command),
        Command("resume", "Start again after a pause", journey.resume_command),
        Command("help", "What I can do", info.show_help),
        Command("privacy", "What I keep and who sees it", info.show_privacy),
        Command("export", "Get a copy of your answers", journey.export_command),
        Command("delete", "Delete everything I keep about you", journey.delete_command),
        Command("stop", "Stop all messages", journey.stop_command),
        Command("start", "Start, or pick up where you left off", journey.start),
    ]


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add N1's handlers and remember its command menu."""
    commands = all_commands()
    application.bot_data.commands = commands
    private = filters.ChatType.PRIVATE
    for command in commands:
        application.add_handler(CommandHandler(command.name, command.callback, filters=private))
    # Nudge buttons and block/unblock first; every other tap goes to the journey.
    for handler in delivery_handlers():
        application.add_handler(handler)
    application.add_handler(CallbackQueryHandler(journey.button))
    application.add_handler(MessageHandler(private & filters.COMMAND, info.not_understood))
    application.add_handler(MessageHandler(private & filters.TEXT, journey.text))
    application.add_handler(
        MessageHandler(private & ~filters.StatusUpdate.ALL, info.not_understood)
    )
