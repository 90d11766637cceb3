"""The `n1` command as a newcomer meets it: version, clear errors, database upgrade."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.keys import TEST_ENCRYPTION_KEY

N1 = str(Path(sys.executable).with_name("n1"))


def run_n1(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed `n1` console script with a clean N1_* environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("N1_")}
    return subprocess.run(
        [N1, *args], cwd=cwd, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_version_is_printed(tmp_path: Path) -> None:
    result = run_n1("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == "n1 0.1.0"


def test_run_without_a_token_explains_and_points_to_the_demo(tmp_path: Path) -> None:
    result = run_n1("run", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "N1_BOT_TOKEN" in lines[0]
    assert "BotFather" in lines[0]
    assert "n1 demo" in lines[0]


def test_an_invalid_setting_is_one_line_with_status_2_and_no_traceback(tmp_path: Path) -> None:
    result = run_n1("run", cwd=tmp_path, N1_BOT_TOKEN="1:abc", N1_WEBHOOK_PORT="eighty")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "n1: N1_WEBHOOK_PORT is invalid: Input should be a valid integer, "
        "unable to parse string as an integer"
    )
    assert "Traceback" not in result.stdout + result.stderr


def test_db_upgrade_creates_the_default_sqlite_store(tmp_path: Path) -> None:
    result = run_n1("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    database = tmp_path / "n1.db"
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert {"patients", "consents", "schedules", "check_ins", "answers", "outbox"} <= tables
    # Running it again is harmless.
    assert run_n1("db", "upgrade", cwd=tmp_path).returncode == 0


def _someone_long_gone(database: Path) -> None:
    """A person last heard from in 2020, with a check-in, an answer and a note."""
    then = "2020-01-06 09:00:00.000000"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO patients (telegram_user_id, chat_id, created_at, updated_at) "
            "VALUES (42, 42, ?, ?)",
            (then, then),
        )
        connection.execute(
            "INSERT INTO check_ins (patient_id, local_date, slot, items, closes_at, created_at, "
            "note) VALUES (1, '2020-01-06', 'daily', '[\"confidence\"]', ?, ?, 'a note')",
            (then, then),
        )
        connection.execute(
            "INSERT INTO answers (check_in_id, patient_id, item, value, answered_at) "
            "VALUES (1, 1, 'confidence', 3, ?)",
            (then,),
        )


# The purge opens the store as `n1 run` does, with the key for people's words.
_KEY = {"N1_ENCRYPTION_KEYS": TEST_ENCRYPTION_KEY}


def test_purge_counts_on_a_dry_run_then_erases(tmp_path: Path) -> None:
    assert run_n1("db", "upgrade", cwd=tmp_path).returncode == 0
    _someone_long_gone(tmp_path / "n1.db")
    counts = (
        "people: 1, check-ins: 1, answers: 1, notes: 1, summaries: 0, messages queued: 0, "
        "old events: 0"
    )
    dry = run_n1("purge", "--dry-run", cwd=tmp_path, **_KEY)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.strip() == f"would erase: {counts}"
    done = run_n1("purge", cwd=tmp_path, **_KEY)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"erased: {counts}"
    again = run_n1("purge", "--dry-run", cwd=tmp_path, **_KEY)
    assert again.stdout.strip() == "would erase: " + counts.replace(": 1", ": 0")


def test_purge_with_a_bad_retention_period_is_one_line_and_status_2(tmp_path: Path) -> None:
    result = run_n1("purge", "--dry-run", cwd=tmp_path, N1_RETENTION_MONTHS="0")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "n1: N1_RETENTION_MONTHS is invalid: Input should be greater than or equal to 1"
    )
    assert result.stdout == ""
