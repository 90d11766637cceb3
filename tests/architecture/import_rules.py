"""Reads a source tree's imports and reports the ones that break N1's layering rules.

Dependencies point one way, core <- messages <- scheduler <- bot, and only `bot/` talks to
Telegram. The benchmark baseline is the one exception: it is a plain PTB bot on purpose.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LAYERS = ("core", "messages", "scheduler", "bot")
TELEGRAM_ALLOWED = ("bot", "benchmarks/baseline")


@dataclass(frozen=True)
class Violation:
    """One import that breaks a rule."""

    path: str
    line: int
    imported: str
    rule: str


def imported_modules(source: str) -> Iterator[tuple[int, str]]:
    """Every absolute module name a source file imports, with its line number."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def _layer_of(relative: Path) -> str | None:
    top = relative.parts[0]
    return top if top in LAYERS else None


def check_tree(root: Path) -> list[Violation]:
    """All violations in the packages under `root`."""
    violations: list[Violation] = []
    for top in (*LAYERS, "benchmarks"):
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root)
            layer = _layer_of(relative)
            for line, module in imported_modules(path.read_text(encoding="utf-8")):
                head = module.split(".")[0]
                if head == "telegram" and not relative.as_posix().startswith(TELEGRAM_ALLOWED):
                    violations.append(
                        Violation(str(relative), line, module, "only bot/ imports telegram")
                    )
                if layer is None or head not in LAYERS:
                    continue
                if LAYERS.index(head) > LAYERS.index(layer):
                    rule = f"{layer} must not import {head}"
                    violations.append(Violation(str(relative), line, module, rule))
    return violations
