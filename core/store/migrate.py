"""Running N1's Alembic migrations from code (the CLI, the bot at start-up, tests).

The scripts live inside the package (`core/store/migrations`), so an installed N1 can
migrate its database without an `alembic.ini`. Alembic's commands are synchronous and its
env.py runs its own event loop, so the async functions here run them in a worker thread:
they work from inside a running loop (handlers, pytest-asyncio) and, through
`asyncio.run(upgrade(url))`, from plain synchronous code.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import Connection

from core.store.engine import create_engine, normalise_database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

# Alembic keeps the running migration context in a module-level proxy (`alembic.context`),
# so two migrations in one process at once would overwrite each other's: run one at a time.
_alembic_lock = threading.Lock()


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic `Config` for N1's migrations, optionally bound to `database_url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if database_url is not None:
        # Passed as an attribute, not as `sqlalchemy.url`: the ini parser would read any
        # "%" in a password as interpolation.
        config.attributes["database_url"] = normalise_database_url(database_url)
    return config


async def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the database at `database_url` to `revision` (default: the latest)."""
    await asyncio.to_thread(_locked, command.upgrade, alembic_config(database_url), revision)


async def downgrade(database_url: str, revision: str) -> None:
    """Downgrade the database at `database_url` to `revision` ("base" removes everything)."""
    await asyncio.to_thread(_locked, command.downgrade, alembic_config(database_url), revision)


def revisions() -> list[Script]:
    """All migration scripts, from the first (base) to the latest (head)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    return list(reversed(list(scripts.walk_revisions())))


def head_revision() -> str:
    """The id of the latest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("there are no migrations")
    return head


async def current_revision(database_url: str) -> str | None:
    """The revision the database is at, or None if it has never been migrated."""
    engine = create_engine(database_url, for_migrations=True)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current_revision)
    finally:
        await engine.dispose()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _locked(operation: Callable[[Config, str], None], config: Config, revision: str) -> None:
    with _alembic_lock:
        operation(config, revision)
