"""The one-way dependency rule holds for the real tree, and the checker catches breaks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.import_rules import check_tree

ROOT = Path(__file__).resolve().parents[2]


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
        ("scheduler/x.py", "from bot.app import build\n", "scheduler must not import bot"),
        ("scheduler/y.py", "from telegram import Bot\n", "only bot/ imports telegram"),
        ("core/z.py", "import telegram.ext\n", "only bot/ imports telegram"),
        ("benchmarks/x.py", "import telegram\n", "only bot/ imports telegram"),
    ],
)
def test_the_checker_reports_a_broken_rule(
    tmp_path: Path, relative: str, source: str, rule: str
) -> None:
    _write(tmp_path, relative, source)
    assert [violation.rule for violation in check_tree(tmp_path)] == [rule]


def test_allowed_directions_pass(tmp_path: Path) -> None:
    _write(tmp_path, "bot/a.py", "import telegram\nfrom scheduler import tick\nimport core\n")
    _write(tmp_path, "scheduler/a.py", "from messages import library\nfrom core import clock\n")
    _write(tmp_path, "benchmarks/baseline/bot.py", "from telegram.ext import JobQueue\n")
    _write(tmp_path, "messages/a.py", "from core.clock import Clock\n")
    assert check_tree(tmp_path) == []
