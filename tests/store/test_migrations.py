"""Migrations: every revision goes up, down and up again, and head matches the tables."""

from __future__ import annotations

import asyncio
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import Script
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from core.store import migrate
from core.store.engine import create_engine
from core.store.tables import metadata

REVISIONS = migrate.revisions()


async def _schema_diff(database_url: str) -> list[Any]:
    engine = create_engine(database_url)

    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(diff)
    finally:
        await engine.dispose()


async def _table_names(database_url: str) -> set[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names)


def test_revisions_run_from_base_to_head_in_one_line() -> None:
    assert REVISIONS, "there must be at least the initial revision"
    assert REVISIONS[0].down_revision is None
    for previous, script in itertools.pairwise(REVISIONS):
        assert script.down_revision == previous.revision
    assert REVISIONS[-1].revision == migrate.head_revision()


@pytest.mark.parametrize("script", REVISIONS, ids=lambda script: script.revision)
def test_revision_files_are_named_by_date_and_slug_and_stand_alone(script: Script) -> None:
    path = Path(script.path)
    assert re.fullmatch(r"\d{8}_\d{4}_[a-z0-9_]+\.py", path.name)
    # A revision must keep working after the tables module moves on.
    assert not re.search(r"^\s*(from|import) core\b", path.read_text(), flags=re.MULTILINE)


@pytest.mark.parametrize("script", REVISIONS, ids=lambda script: script.revision)
async def test_stairway_up_down_up(database_url: str, script: Script) -> None:
    previous = script.down_revision
    assert previous is None or isinstance(previous, str), "merge revisions are not expected"
    await migrate.upgrade(database_url, script.revision)
    await migrate.downgrade(database_url, previous or "base")
    assert await migrate.current_revision(database_url) == previous
    await migrate.upgrade(database_url, script.revision)
    assert await migrate.current_revision(database_url) == script.revision


async def test_the_migrated_schema_matches_the_tables(database_url: str) -> None:
    await migrate.upgrade(database_url)
    assert await _schema_diff(database_url) == []


async def test_a_fresh_database_has_no_revision_and_head_after_upgrade(database_url: str) -> None:
    assert await migrate.current_revision(database_url) is None
    await migrate.upgrade(database_url)
    assert await migrate.current_revision(database_url) == migrate.head_revision()
    # Upgrading an up-to-date database is harmless.
    await migrate.upgrade(database_url)


async def test_downgrading_to_base_removes_every_table(database_url: str) -> None:
    await migrate.upgrade(database_url)
    assert set(metadata.tables) <= await _table_names(database_url)
    await migrate.downgrade(database_url, "base")
    assert await _table_names(database_url) == {"alembic_version"}


def test_upgrade_works_from_plain_synchronous_code(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'n1.db'}"
    asyncio.run(migrate.upgrade(url))
    assert asyncio.run(migrate.current_revision(url)) == migrate.head_revision()


async def test_alembic_command_called_inside_a_running_loop_still_works(tmp_path: Path) -> None:
    # env.py notices the running loop and migrates in a thread of its own.
    url = f"sqlite+aiosqlite:///{tmp_path / 'n1.db'}"
    command.upgrade(migrate.alembic_config(url), "head")
    assert await migrate.current_revision(url) == migrate.head_revision()


async def test_concurrent_upgrades_in_one_process_do_not_collide(tmp_path: Path) -> None:
    urls = [f"sqlite+aiosqlite:///{tmp_path / f'n1-{n}.db'}" for n in range(3)]
    await asyncio.gather(*(migrate.upgrade(url) for url in urls))
    for url in urls:
        assert await migrate.current_revision(url) == migrate.head_revision()
