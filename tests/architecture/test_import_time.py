"""Importing N1 builds nothing: no settings read, no engine, no database file, no app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

IMPORT_EVERYTHING = """
import importlib, pkgutil
for top in ("core", "messages", "scheduler", "usecases", "bot", "sandbox"):
    package = importlib.import_module(top)
    for info in pkgutil.walk_packages(package.__path__, prefix=top + "."):
        if ".migrations" in info.name:
            continue  # Alembic scripts run only under Alembic.
        importlib.import_module(info.name)
print("imported")
"""


def test_importing_every_module_reads_no_settings_and_touches_no_database(
    tmp_path: Path,
) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("N1_")}
    # Settings that would fail to load, and a database that would appear if anyone connected.
    environment.update(
        N1_WEBHOOK_PORT="not-a-port",
        N1_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'touched.db'}",
        PYTHONPATH=str(ROOT),
    )
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "imported"
    assert list(tmp_path.iterdir()) == []
