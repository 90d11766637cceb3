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

from bot.commands import Command, CommandCallback
from bot.handlers import buttons, commands, membership, text
from messages import texts

_HANDLERS: dict[str, CommandCallback] = {
    "checkin": commands.checkin_command,
    "summary": commands.summary_command,
    "settings": commands.settings_command,
    "pause": commands.pause_command,
    "resume": commands.resume_command,
    "help": commands.help_command,
    "privacy": commands.privacy_command,
    "export": commands.export_command,
    "delete": commands.delete_command,
    "stop": commands.stop_command,
    "start": commands.start_command,
}


def all_commands() -> list[Command]:
    """Every slash command N1 answers, in menu order (its words in `messages.texts`)."""
    return [
        Command(name, description, _HANDLERS[name])
        for name, description in texts.COMMAND_MENU.items()
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
