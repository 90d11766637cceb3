"""Builds the PTB application: handlers, start-up (migrations, store) and shutdown."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.aiohttp_request import AiohttpRequest
from bot.commands import menu
from bot.context import AppData, N1Context
from bot.errors import on_error
from bot.handlers.registry import register_handlers
from bot.jobs import start_jobs
from bot.lean_bot import LeanBot, drop_tapped_keyboard
from bot.services import Services
from bot.update_order import ChatOrderedUpdateProcessor
from core.callbacks import CallbackCodec, derive_key
from core.clock import Clock
from core.heap import freeze_startup_heap
from core.settings import Settings
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from messages.catalogue import Catalogue
from scheduler.schedules import reschedule

logger = logging.getLogger(__name__)

N1Application = Application[Any, N1Context, Any, Any, AppData, Any]

# Updates handled at the same time (each chat's still one at a time, in order). Enough to
# keep the store and the Bot API busy while some updates wait on them; more only queues
# longer for the database's connections (SQLite has one writer, PostgreSQL a pool of 20).
CONCURRENT_UPDATES = 32


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
    event loop that will use them.
    """
    context_types = ContextTypes(context=N1Context, bot_data=AppData)
    bot = LeanBot(
        token,
        base_url=settings.telegram_api_url,
        base_file_url=settings.telegram_file_url,
        # aiohttp instead of PTB's httpx client: about a fifth of the CPU per Bot API call.
        # Pool sizes as PTB's defaults: many calls at once, one long poll.
        request=AiohttpRequest(connection_pool_size=256),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )
    application: N1Application = (
        ApplicationBuilder()
        .bot(bot)
        .context_types(context_types)
        .concurrent_updates(ChatOrderedUpdateProcessor(CONCURRENT_UPDATES))
        .post_init(open_services_for_good if freeze_heap else open_services)
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
async def running_bot(
    application: N1Application, *, polling: bool = True
) -> AsyncIterator[Services]:
    """Run the bot with long polling inside the current event loop (demo, tests, benchmarks).

    `run_polling` owns its loop and signals; this does the same steps for code that already
    runs in a loop. With `polling=False` nothing fetches updates: the caller puts them on
    `application.update_queue` itself (the answers benchmark feeds synthetic ones).
    """
    async with application:
        # The start-up the builder was given (`run_polling` calls it the same way).
        assert application.post_init is not None
        await application.post_init(application)
        services = application.bot_data.services
        assert services is not None
        try:
            await application.start()
            assert application.updater is not None
            if polling:
                await application.updater.start_polling(
                    poll_interval=0, timeout=1, allowed_updates=allowed_updates()
                )
            try:
                yield services
            finally:
                if polling:
                    await application.updater.stop()
                await application.stop()
        finally:
            await close_services(application)


# Handler groups around N1's own (group 0), for `watch_handling`.
_FIRST_GROUP, _LAST_GROUP = -1_000, 1_000


def watch_handling(
    application: N1Application,
    *,
    started: Callable[[int], None],
    finished: Callable[[int], None],
) -> None:
    """Call `started(update_id)` before N1's handlers see an update, and `finished(update_id)`
    after they are done with it (benchmarks time and count with these). Both run in the
    task that handles the update."""

    async def first(update: Update, context: N1Context) -> None:
        del context
        started(update.update_id)

    async def last(update: Update, context: N1Context) -> None:
        del context
        finished(update.update_id)

    application.add_handler(TypeHandler(Update, first), group=_FIRST_GROUP)
    application.add_handler(TypeHandler(Update, last), group=_LAST_GROUP)


async def feed_update(application: N1Application, data: dict[str, Any]) -> int:
    """Parse `data` as the Bot API sends an update and queue it for the handlers, as the
    updater does after `getUpdates`; returns the update's id."""
    drop_tapped_keyboard(data)
    update = Update.de_json(data, application.bot)
    await application.update_queue.put(update)
    return update.update_id


async def take_updates(application: N1Application, count: int) -> list[dict[str, Any]]:
    """Take `count` updates waiting at the Bot API (`getUpdates`, confirming them), as JSON.

    For a bot that does not poll: a benchmark makes its updates ahead of time.
    """
    taken: list[dict[str, Any]] = []
    offset = 0
    while len(taken) < count:
        batch = await application.bot.get_updates(
            offset=offset, limit=min(100, count - len(taken)), timeout=0,
            allowed_updates=allowed_updates(),
        )  # fmt: skip
        if not batch:
            raise LookupError(f"{len(taken)} of {count} updates are waiting at the Bot API")
        taken.extend(update.to_dict() for update in batch)
        offset = batch[-1].update_id + 1
    # Confirm the last ones too, so they are not sent again.
    await application.bot.get_updates(offset=offset, limit=1, timeout=0)
    return taken


def allowed_updates() -> list[str]:
    """The update types N1 asks Telegram for."""
    return [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]
