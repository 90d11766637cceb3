"""A typed PTB context, so handlers reach `context.services` without casts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext

from bot.lean_bot import LeanBot
from bot.services import Services

if TYPE_CHECKING:
    from bot.commands import Command
    from core.clock import Clock
    from core.settings import Settings
    from messages.catalogue import Catalogue


class AppData:
    """PTB's `bot_data`, typed: holds the running bot's services once started."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.commands: list[Command] = []
        # Set by build_application; services are built from them when the bot starts.
        self.settings: Settings
        self.clock: Clock
        self.catalogue: Catalogue


class N1Context(CallbackContext[LeanBot, dict[Any, Any], dict[Any, Any], AppData]):
    """The context every N1 handler receives."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The services built at start-up."""
        services = self.bot_data.services
        if services is None:
            raise RuntimeError("N1 services are used before the application started")
        return services
