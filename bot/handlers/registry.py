"""Every handler N1 registers, in the order PTB should try them."""

from __future__ import annotations

from typing import Any

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands import Command
from bot.handlers import buttons, commands, membership, text


def all_commands() -> list[Command]:
    """Every slash command N1 answers, in menu order."""
    return [
        Command("checkin", "Check in now", commands.checkin_command),
        Command("summary", "Your latest weekly summary", commands.summary_command),
        Command("settings", "See and change your choices", commands.settings_command),
        Command("pause", "Take a break from messages", commands.pause_command),
        Command("resume", "Start again after a pause", commands.resume_command),
        Command("help", "What I can do", commands.help_command),
        Command("privacy", "What I keep and who sees it", commands.privacy_command),
        Command("export", "Get a copy of your answers", commands.export_command),
        Command("delete", "Delete everything I keep about you", commands.delete_command),
        Command("stop", "Stop all messages", commands.stop_command),
        Command("start", "Start, or pick up where you left off", commands.start_command),
    ]


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Add N1's handlers and remember its command menu."""
    all_ = all_commands()
    application.bot_data.commands = all_
    private = filters.ChatType.PRIVATE
    for command in all_:
        application.add_handler(CommandHandler(command.name, command.callback, filters=private))
    application.add_handler(CallbackQueryHandler(buttons.button))
    application.add_handler(
        ChatMemberHandler(membership.member_changed, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(MessageHandler(private & filters.COMMAND, text.not_understood))
    application.add_handler(MessageHandler(private & filters.TEXT, text.text))
    application.add_handler(
        MessageHandler(private & ~filters.StatusUpdate.ALL, text.not_understood)
    )
