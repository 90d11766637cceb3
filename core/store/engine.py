"""Building the async engine and session factory (called from the composition root only).

SQLite is the embedded default; PostgreSQL (asyncpg) is for running past one machine.
Nothing here runs at import time.

SQLite transactions: Python's sqlite3 (and so aiosqlite) by default only sends BEGIN before
INSERT/UPDATE/DELETE, which leaves SELECTs outside the transaction, makes SAVEPOINT misbehave
and DDL autocommit. N1 turns that off and sends its own `BEGIN IMMEDIATE` (SQLAlchemy's
documented recipe for the aiosqlite dialect): every transaction is real, and it takes the
single write lock up front, so two transactions that both read then write wait for each
other through the busy timeout instead of one failing at once with "database is locked".
Transactions queue behind each other; use-cases keep them short.

Within one process they queue for the engine's single connection, not for the lock: SQLite's
busy handler polls with sleeps of up to 100 ms and favours newcomers, so with a few dozen
updates handled at once some waited past the busy timeout and failed with "database is
locked", while a pool of one hands the connection to the next waiter as soon as it is free.
Every transaction takes the write lock anyway, so a second connection would only wait. The
busy timeout still covers other processes (the `n1` command line, migrations).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

from core.crypto import TextCipher

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
AUTOCOMMIT = "AUTOCOMMIT"

# How long a SQLite connection waits for the write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000
# How long a transaction waits for the process's one SQLite connection (queued in order).
SQLITE_POOL_TIMEOUT_S = 30

# PostgreSQL pool: enough for handlers, the tick and the dispatcher of one process, while
# several processes together stay well under the server's default max_connections (100).
POSTGRES_POOL_SIZE = 10
POSTGRES_MAX_OVERFLOW = 10
POSTGRES_POOL_TIMEOUT_S = 30
# Recycle before typical load-balancer / firewall idle cut-offs drop connections silently.
POSTGRES_POOL_RECYCLE_S = 1800

_POSTGRES_ALIASES = {"postgres", "postgresql", "postgresql+asyncpg"}


def normalise_database_url(database_url: str) -> str:
    """Turn what an operator may write into the async URL N1 uses.

    A plain path (`n1.db`, `/var/lib/n1/n1.db`) or `sqlite:///x` becomes
    `sqlite+aiosqlite:///...`; `postgres://` and `postgresql://` become
    `postgresql+asyncpg://`. Other drivers are refused rather than silently swapped.
    """
    text = database_url.strip()
    if not text:
        raise ValueError("the database URL is empty")
    if "://" not in text:
        return f"{SQLITE_DRIVER}:///{text}"
    url = make_url(text)
    if url.drivername in {"sqlite", SQLITE_DRIVER}:
        url = url.set(drivername=SQLITE_DRIVER)
    elif url.drivername in _POSTGRES_ALIASES:
        url = url.set(drivername=POSTGRES_DRIVER)
    else:
        raise ValueError(
            f"unsupported database driver {url.drivername!r}: use SQLite or PostgreSQL"
        )
    return url.render_as_string(hide_password=False)


def is_sqlite(database_url: str) -> bool:
    """Whether the URL (in any form `normalise_database_url` accepts) points at SQLite."""
    return make_url(normalise_database_url(database_url)).get_backend_name() == "sqlite"


def create_engine(
    database_url: str, *, for_migrations: bool = False, echo: bool = False
) -> AsyncEngine:
    """Create the async engine for `database_url`.

    Statement parameters are hidden (`hide_parameters`) from SQLAlchemy's log lines and from
    the text of its exceptions: they are answers and (encrypted) words, and an exception's
    text ends up in a log line with its traceback.

    `for_migrations` gives a pool-less engine and, on SQLite, leaves foreign keys off:
    Alembic's batch mode rebuilds a SQLite table by copy-and-drop, and with foreign keys on
    the drop would cascade-delete every child row (the migration checks keys afterwards).
    """
    url = make_url(normalise_database_url(database_url))
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, foreign_keys=not for_migrations, echo=echo)
    return _create_postgres_engine(url, for_migrations=for_migrations, echo=echo)


# Where a session carries the cipher for people's words (`Session.info`, SQLAlchemy's
# documented place for what the application attaches to a session).
CIPHER_INFO = "n1.text_cipher"


def create_session_factory(
    engine: AsyncEngine, cipher: TextCipher
) -> async_sessionmaker[AsyncSession]:
    """Sessions for use-cases: `async with factory.begin() as session: ...`.

    Every session carries `cipher` (see `core.store.repositories._common.cipher_of`): the
    repositories that keep a person's words encrypt and decrypt with it, and nothing else
    has to pass it along.
    `expire_on_commit=False` because repositories hand out detached domain values anyway and
    nothing should lazy-load after the transaction ends.
    """
    return async_sessionmaker(engine, expire_on_commit=False, info={CIPHER_INFO: cipher})


async def clear_write_ahead_log(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """After an erasure has committed: on SQLite, copy the write-ahead log into the database
    file and truncate it, so the erased rows' old pages are gone from the `-wal` file too
    (secure_delete has zeroed them in the file itself). Nothing to do on PostgreSQL.

    Runs outside any transaction (SQLite refuses to checkpoint inside one); if another
    process is reading, the checkpoint copies what it can and the log is cleared later.
    """
    async with session_factory() as session:
        connection = await session.connection(execution_options={"isolation_level": AUTOCOMMIT})
        if connection.dialect.name == "sqlite":
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _create_sqlite_engine(url: URL, *, foreign_keys: bool, echo: bool) -> AsyncEngine:
    """SQLite with WAL, foreign keys, NORMAL sync, a busy timeout and real transactions,
    through one pooled connection (see the module's docstring)."""
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if not foreign_keys:
        kwargs["poolclass"] = NullPool
    else:
        kwargs.update(pool_size=1, max_overflow=0, pool_timeout=SQLITE_POOL_TIMEOUT_S)
    engine = _create_async_engine(url, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Stop the driver from sending its own (late) BEGIN; `_on_begin` sends ours.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers work while one writer writes; it persists in the file.
            cursor.execute("PRAGMA journal_mode=WAL")
            # NORMAL is durable against application crashes in WAL mode and much faster
            # than FULL; a power cut may lose the last commits, never corrupt the file.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS:d}")
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            # Deleted content is overwritten with zeros, not left in free space: what a
            # person erases is gone from the file (see `clear_write_ahead_log`).
            cursor.execute("PRAGMA secure_delete=ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # An AUTOCOMMIT connection (the WAL checkpoint after an erasure) runs outside any
        # transaction: SQLite refuses to checkpoint from inside one.
        if connection.get_execution_options().get("isolation_level") != AUTOCOMMIT:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _create_postgres_engine(url: URL, *, for_migrations: bool, echo: bool) -> AsyncEngine:
    """PostgreSQL through asyncpg, with a bounded, self-healing pool."""
    connect_args = {"server_settings": {"application_name": "n1", "timezone": "UTC"}}
    if for_migrations:
        return _create_async_engine(
            url, echo=echo, hide_parameters=True, poolclass=NullPool, connect_args=connect_args
        )
    return _create_async_engine(
        url,
        echo=echo,
        hide_parameters=True,
        connect_args=connect_args,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_MAX_OVERFLOW,
        pool_timeout=POSTGRES_POOL_TIMEOUT_S,
        pool_recycle=POSTGRES_POOL_RECYCLE_S,
        # A connection dropped while idle (server restart, failover) is replaced before it
        # reaches a use-case.
        pool_pre_ping=True,
    )
