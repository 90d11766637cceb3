"""The bot's command menu: one list that drives both the handlers and setMyCommands."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, Update

from bot.context import N1Context

CommandCallback = Callable[[Update, N1Context], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Command:
    """A slash command: its name, the menu description, and its handler."""

    name: str
    description: str
    callback: CommandCallback


def menu(commands: list[Command]) -> list[BotCommand]:
    """The commands to register with setMyCommands, in menu order."""
    return [BotCommand(c.name, c.description) for c in commands]
