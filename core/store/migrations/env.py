"""Alembic environment for N1: runs migrations through the async engine.

`core.store.migrate` passes the database URL in `config.attributes["database_url"]`; when
`alembic` is run by hand (see the root `alembic.ini`), the URL comes from `N1_DATABASE_URL`.
"""

from __future__ import annotations

import asyncio
import os
import threading
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from core.store.engine import create_engine, is_sqlite, normalise_database_url
from core.store.tables import UTCDateTime, metadata

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _database_url() -> str:
    """The URL to migrate, from the caller, the environment or the ini file."""
    url = (
        config.attributes.get("database_url")
        or os.environ.get("N1_DATABASE_URL")
        or config.get_main_option("sqlalchemy.url")
    )
    if not url:
        raise RuntimeError("no database URL: set N1_DATABASE_URL")
    return normalise_database_url(str(url))


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render N1's column types as plain SQLAlchemy types in new revisions.

    Revisions must not import `core.store.tables`: they have to keep working after the
    tables module moves on.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**kwargs: Any) -> None:
    sqlite = is_sqlite(_database_url())
    context.configure(
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=sqlite,
        # N1's SQLite engine sends a real BEGIN, so SQLite DDL is transactional too:
        # a failed migration leaves the previous schema, not half of the new one.
        transactional_ddl=True,
        compare_type=True,
        render_item=_render_item,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """Write the migration SQL out instead of running it (`alembic upgrade --sql`)."""
    _configure(url=_database_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_on_connection(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            # Migrations run with foreign keys off (see create_engine): check them before
            # committing, so a broken rebuild rolls back instead of leaving orphans.
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise RuntimeError(f"foreign key check failed after migration: {problems[:5]}")


async def _run_migrations_online() -> None:
    engine = create_engine(_database_url(), for_migrations=True)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_on_connection)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Run the migrations against the database.

    Alembic's commands are synchronous, so this starts its own event loop. If a loop is
    already running in this thread (someone called `alembic.command` from async code),
    it runs in a fresh thread instead, because a loop cannot be nested.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(_run_migrations_online())
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(_run_migrations_online())
        except BaseException as exc:  # handed back to the calling thread below
            errors.append(exc)

    worker = threading.Thread(target=target, name="n1-migrations")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
