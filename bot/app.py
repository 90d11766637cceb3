"""Builds the PTB application: handlers, start-up (migrations, store) and shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.commands import menu
from bot.context import AppData, N1Context
from bot.errors import on_error
from bot.handlers.registry import register_handlers
from bot.jobs import start_jobs
from bot.services import Services
from core.callbacks import CallbackCodec, derive_key
from core.clock import Clock
from core.settings import Settings
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from messages.catalogue import Catalogue
from scheduler.schedules import reschedule

logger = logging.getLogger(__name__)

N1Application = Application[Any, N1Context, Any, Any, AppData, Any]


async def open_services(application: N1Application) -> None:
    """Migrate the store, build the engine inside the running loop, register the menu."""
    settings: Settings = application.bot_data.settings
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    services = Services(
        settings=settings,
        clock=application.bot_data.clock,
        engine=engine,
        session_factory=create_session_factory(engine),
        codec=CallbackCodec(derive_key(settings.callback_secret(application.bot.token))),
        reschedule=reschedule,
        catalogue=application.bot_data.catalogue,
    )
    application.bot_data.services = services
    await application.bot.set_my_commands(menu(application.bot_data.commands))
    start_jobs(application)
    logger.info("N1 is ready")


async def close_services(application: N1Application) -> None:
    """Release the store's connections."""
    services = application.bot_data.services
    if services is not None:
        await services.engine.dispose()
        application.bot_data.services = None


def build_application(
    settings: Settings, clock: Clock, *, token: str, catalogue: Catalogue
) -> N1Application:
    """The N1 bot, ready for `run_polling`, `run_webhook` or `running_bot`.

    The database is migrated and the engine built when the application starts, inside the
    event loop that will use them.
    """
    context_types = ContextTypes(context=N1Context, bot_data=AppData)
    application: N1Application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .context_types(context_types)
        .post_init(open_services)
        .post_shutdown(close_services)
        .build()
    )
    application.bot_data.settings = settings
    application.bot_data.clock = clock
    application.bot_data.catalogue = catalogue
    register_handlers(application)
    application.add_error_handler(on_error)
    return application


@asynccontextmanager
async def running_bot(application: N1Application) -> AsyncIterator[Services]:
    """Run the bot with long polling inside the current event loop (demo, tests, benchmarks).

    `run_polling` owns its loop and signals; this does the same steps for code that already
    runs in a loop.
    """
    async with application:
        await open_services(application)
        services = application.bot_data.services
        assert services is not None
        try:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=allowed_updates()
            )
            try:
                yield services
            finally:
                await application.updater.stop()
                await application.stop()
        finally:
            await close_services(application)


def allowed_updates() -> list[str]:
    """The update types N1 asks Telegram for."""
    return [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
