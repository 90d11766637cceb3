"""What the benchmarks share: scratch databases, N1's bot as production builds it, N1's tick
with the batches the running bot gives it (`bot.jobs.tick_batches`), an event-loop lag
monitor and a SQL statement counter.

Nothing here changes how N1 works: the benchmarks build N1's own objects with N1's own
public constructors (`bot.app.build_application`, `scheduler.tick.Ticker`,
`scheduler.dispatcher.Dispatcher`, `bot.sender.TelegramSender`) and drive them from outside.
"""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Engine, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from benchmarks.keys import BENCH_ENCRYPTION_KEY
from bot.app import N1Application, build_application
from bot.jobs import tick_batches
from core.callbacks import CallbackCodec, derive_key
from core.clock import Clock
from core.domain import OutboxStatus
from core.settings import Settings, load_settings
from core.store.engine import create_engine
from core.store.migrate import upgrade
from core.store.repositories import ReportingRepository
from messages.catalogue import Catalogue, load_catalogue
from scheduler.tick import Ticker
from tests.scratch import scratch_postgres_database

# Monday 4 January 2027: people join at 08:00 UTC; check-ins at 09:00 London (= UTC in winter).
JOINED: Final = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
DUE: Final = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)

# A PostgreSQL server URL: the benchmarks that compare databases also run on scratch
# databases made there (and dropped after).
POSTGRES_ENV: Final = "N1_BENCH_POSTGRES_URL"
SQLITE: Final = "SQLite"
POSTGRESQL: Final = "PostgreSQL"

SessionFactory = async_sessionmaker[AsyncSession]
_UNSETTLED: Final = frozenset({OutboxStatus.PENDING, OutboxStatus.SENDING})


def postgres_server_url() -> str | None:
    """The PostgreSQL server the benchmarks also run on (`N1_BENCH_POSTGRES_URL`), if set."""
    return os.environ.get(POSTGRES_ENV, "").strip() or None


def database_kinds() -> list[str]:
    """SQLite always; PostgreSQL too when `N1_BENCH_POSTGRES_URL` is set."""
    return [SQLITE, POSTGRESQL] if postgres_server_url() else [SQLITE]


@asynccontextmanager
async def database_url(kind: str = SQLITE) -> AsyncIterator[str]:
    """The URL of a fresh, empty database: a SQLite file in a temporary directory, or a
    scratch database on the PostgreSQL server (`tests.scratch`)."""
    if kind == SQLITE:
        with tempfile.TemporaryDirectory(prefix="n1-bench-") as scratch:
            yield f"sqlite+aiosqlite:///{Path(scratch) / 'bench.db'}"
        return
    server = postgres_server_url()
    if server is None:
        raise RuntimeError(f"{POSTGRES_ENV} is not set")
    async with scratch_postgres_database(server, prefix="n1_bench") as url:
        yield url


@asynccontextmanager
async def database(kind: str = SQLITE) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A fresh database migrated as N1 migrates it, with N1's engine for it."""
    async with database_url(kind) as url:
        await upgrade(url)
        engine = create_engine(url)
        try:
            yield url, engine
        finally:
            await engine.dispose()


async def analyse_after_bulk_load(engine: AsyncEngine) -> None:
    """On PostgreSQL, `ANALYZE` the tables just bulk-loaded, as autovacuum soon does in a live
    database: without statistics the planner reads whole tables where an index is there (a
    weekly summary's answers, 11 ms instead of 0.2 ms). SQLite gets none: N1 never analyses
    its SQLite file, so the benchmarks do not either."""
    if engine.dialect.name != "postgresql":
        return
    async with engine.connect() as connection:
        await connection.execute(text("ANALYZE"))
        await connection.commit()


@cache
def catalogue() -> Catalogue:
    """The shipped message library, loaded and checked once per process (as `n1 run` does)."""
    return load_catalogue()


def codec() -> CallbackCodec:
    """A callback codec, keyed as N1 keys it (from a secret)."""
    return CallbackCodec(derive_key("n1-benchmarks"))


def production_ticker(
    session_factory: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    clock: Clock,
    *,
    on_queued: Callable[[], None],
    pauses: bool = False,
) -> Ticker:
    """N1's tick as the running bot builds it for this database: its batch size, and, with
    `pauses`, its real pauses after each batch (else they are left out, to be counted
    apart). `on_queued` is called after each batch that queued something (production wakes
    the dispatcher)."""
    batches = tick_batches(engine)
    return Ticker(
        session_factory,
        clock=clock,
        codec=codec(),
        catalogue=catalogue(),
        batch_size=batches.size,
        pause_between_batches=batches.pause if pauses else 0.0,
        on_queued=on_queued,
    )


def bot_settings(root_url: str, token: str, database: str) -> Settings:
    """N1's settings for a bot that talks to the sandbox at `root_url`."""
    return load_settings(
        _env_file=None,
        bot_token=token,
        database_url=database,
        telegram_api_url=f"{root_url}/bot",
        telegram_file_url=f"{root_url}/file/bot",
        encryption_keys=BENCH_ENCRYPTION_KEY,
    )


@asynccontextmanager
async def initialized_bot(
    root_url: str, token: str, database: str, clock: Clock
) -> AsyncIterator[N1Application]:
    """N1's application as `build_application` makes it, initialized (its Bot API client
    open, `getMe` answered) but not polling: `application.bot` is the bot production sends
    with."""
    application = build_application(
        bot_settings(root_url, token, database), clock, token=token, catalogue=catalogue()
    )
    async with application:
        yield application


class LagMonitor:
    """Samples `asyncio.sleep(interval)` and keeps the worst overshoot: the loop's lag."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(self.interval)
            self.worst = max(self.worst, time.perf_counter() - started - self.interval)

    async def __aenter__(self) -> LagMonitor:
        self._task = asyncio.create_task(self._sample())
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with suppress(asyncio.CancelledError):
            await self._task


class StatementCounter:
    """SQL statements and transactions, counted while `counting` (SQLAlchemy's public
    `before_cursor_execute` and `begin` events; SQLite's `BEGIN IMMEDIATE` counts as the
    transaction, not as a statement)."""

    def __init__(self) -> None:
        self.statements = 0
        self.transactions = 0
        self._counting = False

    @contextmanager
    def listening(self, target: Engine | type[Engine] = Engine) -> Iterator[None]:
        """Listen on `target`: one engine, or by default every engine. Listen from before
        the code measured builds its engine (a listener added while another `begin`
        listener is running would upset SQLAlchemy's event loop)."""
        event.listen(target, "before_cursor_execute", self._statement)
        event.listen(target, "begin", self._begin)
        try:
            yield
        finally:
            event.remove(target, "before_cursor_execute", self._statement)
            event.remove(target, "begin", self._begin)

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Count meanwhile."""
        self._counting = True
        try:
            yield
        finally:
            self._counting = False

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._counting and not statement.startswith("BEGIN"):
            self.statements += 1

    def _begin(self, _conn: Any) -> None:
        if self._counting:
            self.transactions += 1


async def outbox_settled(session_factory: SessionFactory, *, patience: float) -> bool:
    """Wait until no outbox message is pending or sending (True), or `patience` seconds
    have passed (False)."""
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        async with session_factory() as session:
            counts = await ReportingRepository(session).outbox_counts()
        if not any(n for (_, status), n in counts.items() if status in _UNSETTLED):
            return True
        await asyncio.sleep(0.05)
    return False


def percentile(values: Sequence[float], fraction: float) -> float:
    """The value below which `fraction` of `values` lie (nearest rank); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(len(ordered) * fraction)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    """The median; 0 when empty."""
    return statistics.median(values) if values else 0.0
