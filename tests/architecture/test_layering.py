"""The one-way dependency rules hold for the real tree, and the checker catches breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.import_rules import check_tree

ROOT = Path(__file__).resolve().parents[2]
ALONE = "the sandbox imports nothing of N1 but the clock"


def test_the_real_tree_keeps_the_layering_rules() -> None:
    assert check_tree(ROOT) == []


def _write(root: Path, relative: str, source: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source, encoding="utf-8")


@pytest.mark.parametrize(
    ("relative", "source", "rule"),
    [
        ("core/x.py", "import messages.library\n", "core must not import messages"),
        ("messages/x.py", "from scheduler import tick\n", "messages must not import scheduler"),
        ("scheduler/x.py", "from usecases import start\n", "scheduler must not import usecases"),
        ("usecases/x.py", "from bot.app import build\n", "usecases must not import bot"),
        ("scheduler/y.py", "from telegram import Bot\n", "only bot/ imports telegram"),
        ("usecases/y.py", "import telegram.ext\n", "only bot/ imports telegram"),
        ("benchmarks/x.py", "import telegram\n", "only bot/ imports telegram"),
        ("sandbox/x.py", "import telegram\n", "only bot/ imports telegram"),
        ("sandbox/y.py", "from core.settings import load\n", ALONE),
        ("sandbox/z.py", "from bot.app import build\n", ALONE),
        ("bot/app.py", "from sandbox import BotApiSandbox\n", "only the demo imports the sandbox"),
        ("scheduler/z.py", "import sandbox.server\n", "only the demo imports the sandbox"),
        ("bot/cli.py", "from benchmarks.cli import bench\n", "bot must not import benchmarks"),
        ("core/z.py", "from tests.scratch import db\n", "core must not import tests"),
        ("sandbox/w.py", "import benchmarks.table\n", "sandbox must not import benchmarks"),
    ],
)  # fmt: skip
def test_the_checker_reports_a_broken_rule(
    tmp_path: Path, relative: str, source: str, rule: str
) -> None:
    _write(tmp_path, relative, source)
    assert [violation.rule for violation in check_tree(tmp_path)] == [rule]


def test_allowed_directions_pass(tmp_path: Path) -> None:
    _write(tmp_path, "bot/a.py", "import telegram\nfrom usecases import start\nimport core\n")
    _write(tmp_path, "bot/demo/run.py", "from sandbox import BotApiSandbox\n")
    _write(tmp_path, "usecases/a.py", "from scheduler import tick\nfrom messages import texts\n")
    _write(tmp_path, "scheduler/a.py", "from messages import library\nfrom core import clock\n")
    _write(tmp_path, "benchmarks/baseline/bot.py", "from telegram.ext import JobQueue\n")
    _write(
        tmp_path, "benchmarks/a.py", "from bot.app import build\nfrom tests.scratch import db\n"
    )
    _write(tmp_path, "sandbox/a.py", "from core.clock import Clock\nimport aiohttp\n")
    _write(tmp_path, "messages/a.py", "from core.clock import Clock\n")
    assert check_tree(tmp_path) == []
