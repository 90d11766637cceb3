"""Throwaway PostgreSQL databases, for tests and benchmarks that each need an empty one.

Development only: N1 itself never creates or drops a database.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from core.store.engine import normalise_database_url


class ServerUnavailableError(Exception):
    """The PostgreSQL server could not create a database."""


@asynccontextmanager
async def scratch_postgres_database(server_url: str, *, prefix: str = "n1") -> AsyncIterator[str]:
    """Create an empty database on the server at `server_url`, yield its URL, drop it after.

    Raises `ServerUnavailableError` (before yielding) when the server cannot be used.
    """
    name = f"{prefix}_{secrets.token_hex(6)}"
    # CREATE/DROP DATABASE cannot run inside a transaction.
    admin = create_async_engine(
        normalise_database_url(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        try:
            async with admin.connect() as connection:
                await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except (OSError, DBAPIError, TimeoutError) as error:
            raise ServerUnavailableError(repr(error)) from error
        url = make_url(normalise_database_url(server_url)).set(database=name)
        try:
            yield url.render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                # FORCE ends connections a failed run may have left open.
                await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()
