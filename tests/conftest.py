"""Shared fixtures for N1's tests.

Databases: `database_url` runs each test that uses it twice, on a fresh SQLite file and on a
fresh PostgreSQL database (the latter only when N1_TEST_POSTGRES_URL is set, e.g.
`postgresql+asyncpg://postgres@127.0.0.1:5432/test`). `engine` is that database migrated to
head; `session_factory` makes sessions on it. Every test gets its own database, so tests can
commit, run migrations and run concurrently without cleaning up after each other.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from core.zones import use_bundled_tzdata
from tests.keys import fixed_cipher
from tests.scratch import ServerUnavailableError, scratch_postgres_database

POSTGRES_URL_ENV = "N1_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Use the same pinned time-zone data, and PTB's timedelta durations, as `n1` does
    (`bot.app` opts in to those; some tests make PTB bots and errors without it)."""
    use_bundled_tzdata()
    os.environ.setdefault("PTB_TIMEDELTA", "true")


# ---------------------------------------------------------------------------------------------
# Databases


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


@asynccontextmanager
async def fresh_postgres_database(server_url: str) -> AsyncIterator[str]:
    """Create an empty database on the server at `server_url`; drop it afterwards.

    If the server cannot be used the test is skipped, except in CI (`CI=true`), where a
    configured but unreachable PostgreSQL must fail loudly instead of passing silently.
    """
    async with AsyncExitStack() as stack:
        try:
            url = await stack.enter_async_context(
                scratch_postgres_database(server_url, prefix="n1_test")
            )
        except ServerUnavailableError as error:
            message = f"PostgreSQL at {POSTGRES_URL_ENV} is not usable: {error}"
            if _in_ci():
                pytest.fail(message)
            pytest.skip(message)
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """The URL of a fresh, empty database: SQLite, and PostgreSQL when configured."""
    if request.param == "sqlite":
        directory = tmp_path_factory.mktemp("db")
        yield f"sqlite+aiosqlite:///{directory / 'n1-test.db'}"
        return
    server_url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    async with fresh_postgres_database(server_url) as url:
        yield url


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """The URL of a fresh, empty PostgreSQL database (skipped when none is configured)."""
    server_url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if not server_url:
        pytest.skip(f"{POSTGRES_URL_ENV} is not set")
    async with fresh_postgres_database(server_url) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on the fresh database, migrated to the latest revision."""
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions on the migrated database (`async with session_factory.begin() as s:`)."""
    return create_session_factory(engine, fixed_cipher())
