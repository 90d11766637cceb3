"""`n1 keys new`, `n1 keys rotate`, and what `n1 run` says about missing, malformed or wrong
keys: one line naming N1_ENCRYPTION_KEYS, status 2, never a traceback."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.crypto import TextCipher
from core.store.engine import create_session_factory
from sandbox import BotApiSandbox, SandboxLimits
from tests.cli.test_cli import N1, run_n1
from tests.keys import OTHER_ENCRYPTION_KEY, TEST_ENCRYPTION_KEY
from tests.store.helpers import ACTIVITY, NOTE, WORDS, add_words, read_words

TOKEN = "5550003:n1-keys-test"


async def _n1(*args: str, cwd: Path, **env: str) -> tuple[int, str, str]:
    """Run `n1` with a clean N1_* environment, without blocking the event loop."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("N1_")}
    process = await asyncio.create_subprocess_exec(
        N1,
        *args,
        cwd=cwd,
        env={**clean, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


def test_keys_new_prints_a_fresh_fernet_key(tmp_path: Path) -> None:
    first, second = run_n1("keys", "new", cwd=tmp_path), run_n1("keys", "new", cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    key = first.stdout.strip()
    Fernet(key)  # a usable key
    assert key != second.stdout.strip()


def test_run_without_a_key_says_how_to_make_one(tmp_path: Path) -> None:
    result = run_n1("run", cwd=tmp_path, N1_BOT_TOKEN=TOKEN)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "N1_ENCRYPTION_KEYS is not set" in lines[0]
    assert "`n1 keys new`" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr


def test_a_malformed_key_is_one_line_naming_the_setting_and_not_the_key(tmp_path: Path) -> None:
    malformed = "not-a-fernet-key"
    result = run_n1(
        "run",
        cwd=tmp_path,
        N1_BOT_TOKEN=TOKEN,
        N1_ENCRYPTION_KEYS=f"{TEST_ENCRYPTION_KEY},{malformed}",
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "n1: N1_ENCRYPTION_KEYS is invalid: key 2 of 2 is not a Fernet key (32 random bytes "
        "in URL-safe base64); make one with `n1 keys new`"
    )
    assert malformed not in result.stderr


async def test_rotate_moves_everything_to_the_new_key_printing_counts_only(
    tmp_path: Path,
    database_url: str,
    engine: AsyncEngine,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_words(session_factory)  # under the test key
    keys = f"{OTHER_ENCRYPTION_KEY},{TEST_ENCRYPTION_KEY}"
    status, out, err = await _n1(
        "keys", "rotate", cwd=tmp_path, N1_DATABASE_URL=database_url, N1_ENCRYPTION_KEYS=keys
    )
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "check_ins.note: 1 re-encrypted, 0 encrypted for the first time, 0 unreadable",
        "activities.label: 1 re-encrypted, 0 encrypted for the first time, 0 unreadable",
        "weekly_summaries.text: 1 re-encrypted, 0 encrypted for the first time, 0 unreadable",
        "weekly_summaries.next_focus: 1 re-encrypted, 0 encrypted for the first time, "
        "0 unreadable",
        "outbox.payload.text: 1 re-encrypted, 0 encrypted for the first time, 0 unreadable",
        "every stored word is encrypted with the first key",
    ]
    assert NOTE not in out
    assert ACTIVITY not in out
    # The old key can now be removed from the setting.
    new_only = create_session_factory(engine, TextCipher([OTHER_ENCRYPTION_KEY]))
    assert await read_words(new_only, patient) == WORDS


async def test_rotate_without_the_old_key_says_which_key_is_missing(
    tmp_path: Path, database_url: str, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    await add_words(session_factory)
    status, _, err = await _n1(
        "keys",
        "rotate",
        cwd=tmp_path,
        N1_DATABASE_URL=database_url,
        N1_ENCRYPTION_KEYS=OTHER_ENCRYPTION_KEY,
    )
    assert status == 2
    assert err.strip() == (
        "n1: N1_ENCRYPTION_KEYS: 5 stored value(s) open with none of the keys; add the key "
        "they were written with (after the first) and run this again"
    )


async def test_run_with_a_key_that_reads_nothing_stored_stops_with_one_line(
    tmp_path: Path, session_factory: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    await add_words(session_factory)
    async with BotApiSandbox(limits=SandboxLimits.off()) as sandbox:
        status, _, err = await _n1(
            "run",
            cwd=tmp_path,
            N1_BOT_TOKEN=TOKEN,
            N1_TELEGRAM_API_URL=sandbox.base_url,
            N1_TELEGRAM_FILE_URL=sandbox.file_url,
            N1_DATABASE_URL=database_url,
            N1_ENCRYPTION_KEYS=OTHER_ENCRYPTION_KEY,
            N1_LOG_LEVEL="WARNING",
        )
    assert status == 2
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "n1: N1_ENCRYPTION_KEYS: no key opens what is stored in check_ins.note; put back the "
        "key it was written with (after the new one) and run `n1 keys rotate`"
    ]
