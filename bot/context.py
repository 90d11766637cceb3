"""A typed PTB context, so handlers reach `context.services` without casts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram import Bot
from telegram.ext import Application, CallbackContext

from bot.services import Running
from usecases.services import Services

if TYPE_CHECKING:
    from bot.commands import Command
    from core.clock import Clock
    from core.crypto import TextCipher
    from core.settings import Settings
    from messages.catalogue import Catalogue


class AppData:
    """PTB's `bot_data`, typed: what the bot is built from, and what it runs with."""

    def __init__(self) -> None:
        self.running: Running | None = None
        self.commands: list[Command] = []
        # Set by build_application; the running part is built from them when the bot starts.
        self.settings: Settings
        self.clock: Clock
        self.catalogue: Catalogue
        self.cipher: TextCipher


class N1Context(CallbackContext[Bot, dict[Any, Any], dict[Any, Any], AppData]):
    """The context every N1 handler receives."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def running(self) -> Running:
        """What the started bot runs with."""
        running = self.bot_data.running
        if running is None:
            raise RuntimeError("N1 is used before the application started")
        return running

    @property
    def services(self) -> Services:
        """The use-cases' services."""
        return self.running.services
