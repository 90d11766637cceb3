"""Builds the PTB application: handlers, start-up (migrations, store) and shutdown."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from bot.aiohttp_request import AiohttpRequest
from bot.commands import menu
from bot.context import AppData, N1Context
from bot.errors import on_error
from bot.handlers.registry import register_handlers
from bot.jobs import start_jobs
from bot.services import Running
from bot.update_order import ChatOrderedUpdateProcessor
from core.callbacks import CallbackCodec, derive_key
from core.clock import Clock
from core.crypto import TextCipher
from core.heap import freeze_startup_heap
from core.settings import Settings, SettingsError
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from messages.catalogue import Catalogue
from usecases.keys import stored_text_problem
from usecases.services import Services

logger = logging.getLogger(__name__)

N1Application = Application[Any, N1Context, Any, Any, AppData, Any]

# Updates handled at the same time (each chat's still one at a time, in order). Enough to
# keep the store and the Bot API busy while some updates wait on them; more only queues
# longer for the database's connections (SQLite has one writer, PostgreSQL a pool of 20).
CONCURRENT_UPDATES = 32


async def open_services(application: N1Application) -> None:
    """Migrate the store, build the engine inside the running loop, check the encryption
    keys read what is stored, register the menu.

    A key that reads nothing stored raises `SettingsError` (one line for the operator)
    before any update is handled.
    """
    settings: Settings = application.bot_data.settings
    await upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    services = Services(
        clock=application.bot_data.clock,
        session_factory=create_session_factory(engine, application.bot_data.cipher),
        codec=CallbackCodec(derive_key(settings.callback_secret(application.bot.token))),
        catalogue=application.bot_data.catalogue,
        retention_months=settings.retention_months,
    )
    application.bot_data.running = Running(engine, services)
    problem = await stored_text_problem(services.session_factory)
    if problem is not None:
        raise SettingsError(problem)
    await application.bot.set_my_commands(menu(application.bot_data.commands))
    start_jobs(application)
    logger.info("N1 is ready")


async def close_services(application: N1Application) -> None:
    """Release the store's connections."""
    running = application.bot_data.running
    if running is not None:
        await running.engine.dispose()
        application.bot_data.running = None


async def open_services_for_good(application: N1Application) -> None:
    """`open_services`, then what is alive after start-up frozen out of the garbage
    collector's walks (for the process that runs the bot until it is stopped)."""
    await open_services(application)
    freeze_startup_heap()


def build_application(
    settings: Settings,
    clock: Clock,
    *,
    token: str,
    catalogue: Catalogue,
    freeze_heap: bool = False,
) -> N1Application:
    """The N1 bot, ready for `run_polling`, `run_webhook` or `running_bot`.

    `freeze_heap`: for `n1 run`, whose process lives as long as the bot; not for tests or
    tools that start many bots in one process (frozen objects are never freed).

    The database is migrated and the engine built when the application starts, inside the
    event loop that will use them. The cipher for people's words is built here from
    N1_ENCRYPTION_KEYS (`SettingsError` if it is not set).
    """
    cipher = TextCipher(settings.require_encryption_keys())
    # PTB's documented opt-in to durations as timedelta (its default from the next major
    # release); without it, every flood-limit error PTB makes warns that it is deprecated.
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    context_types = ContextTypes(context=N1Context, bot_data=AppData)
    application: N1Application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        # aiohttp instead of PTB's httpx client: about a fifth of the CPU per Bot API call.
        # With httpx, `make bench` (answers, SQLite) answered 120 taps a second at p95 1.1 s
        # and fell behind (108/s); with this client, p95 57 ms, all answered (2026-12-07).
        # Pool sizes as PTB's defaults: many calls at once, one long poll.
        .request(AiohttpRequest(connection_pool_size=256))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .context_types(context_types)
        .concurrent_updates(ChatOrderedUpdateProcessor(CONCURRENT_UPDATES))
        .post_init(open_services_for_good if freeze_heap else open_services)
        .post_shutdown(close_services)
        .build()
    )
    application.bot_data.settings = settings
    application.bot_data.clock = clock
    application.bot_data.cipher = cipher
    application.bot_data.catalogue = catalogue
    register_handlers(application)
    application.add_error_handler(on_error)
    return application


@asynccontextmanager
async def running_bot(application: N1Application) -> AsyncIterator[Running]:
    """Run the bot with long polling inside the current event loop (demo, tests, benchmarks).

    `run_polling` owns its loop and signals; this does the same steps for code that already
    runs in a loop.
    """
    async with application:
        # The start-up the builder was given (`run_polling` calls it the same way).
        assert application.post_init is not None
        await application.post_init(application)
        running = application.bot_data.running
        assert running is not None
        try:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=1, allowed_updates=allowed_updates()
            )
            try:
                yield running
            finally:
                await application.updater.stop()
                await application.stop()
        finally:
            await close_services(application)


def allowed_updates() -> list[str]:
    """The update types N1 asks Telegram for."""
    return [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
