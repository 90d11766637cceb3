"""Builds the PTB application: handlers, start-up (migrations, store) and shutdown."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.commands import Command, menu
from bot.context import AppData, N1Context
from bot.errors import on_error
from bot.handlers import info
from bot.services import Services
from core.clock import Clock
from core.settings import Settings
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade

logger = logging.getLogger(__name__)

N1Application = Application[Any, N1Context, Any, Any, AppData, Any]


def all_commands() -> list[Command]:
    """Every slash command N1 answers, in menu order."""
    return [
        Command("start", "Start or restart N1", info.start),
        Command("help", "What I can do", info.show_help),
        Command("privacy", "What I keep and who sees it", info.show_privacy),
    ]


def build_application(
    settings: Settings,
    clock: Clock,
    *,
    token: str,
    services_hook: list[Services] | None = None,
) -> N1Application:
    """The N1 bot, ready for `run_polling`, `run_webhook` or `async with`.

    The database is migrated and the engine built in `post_init`, inside the event loop that
    will use them. `services_hook`, when given, receives the services once they exist (the
    demo reads its counts from them).
    """
    context_types = ContextTypes(context=N1Context, bot_data=AppData)

    async def post_init(application: N1Application) -> None:
        await upgrade(settings.database_url)
        engine = create_engine(settings.database_url)
        services = Services(
            settings=settings,
            clock=clock,
            engine=engine,
            session_factory=create_session_factory(engine),
        )
        application.bot_data.services = services
        if services_hook is not None:
            services_hook.append(services)
        await application.bot.set_my_commands(menu(application.bot_data.commands))
        logger.info("N1 is ready")

    async def post_shutdown(application: N1Application) -> None:
        services = application.bot_data.services
        if services is not None:
            await services.engine.dispose()

    application: N1Application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .context_types(context_types)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    commands = all_commands()
    application.bot_data.commands = commands
    for command in commands:
        application.add_handler(CommandHandler(command.name, command.callback))
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL, info.not_understood)
    )
    application.add_error_handler(on_error)
    return application


def allowed_updates() -> list[str]:
    """The update types N1 asks Telegram for."""
    return [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
