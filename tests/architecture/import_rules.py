"""Reads a source tree's imports and reports the ones that break N1's layering rules.

- Dependencies point one way: core <- messages <- scheduler <- usecases <- bot.
- Only `bot/` talks to Telegram (and the benchmark's baseline, a plain PTB bot on purpose).
- The Bot API sandbox (`sandbox/`) stands alone: of N1 it may import the clock, nothing else.
- Production code (the layers and the sandbox) never imports the benchmarks or the tests,
  and only the demo (`bot/demo`) imports the sandbox.
- The benchmarks may use N1 and the tests' helpers, but never Telegram itself.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LAYERS = ("core", "messages", "scheduler", "usecases", "bot")
PRODUCTION = (*LAYERS, "sandbox")
CHECKED = (*PRODUCTION, "benchmarks")
TELEGRAM_ALLOWED = ("bot/", "benchmarks/baseline/")
SANDBOX_MAY_IMPORT = frozenset({"core.clock"})
SANDBOX_USERS = ("bot/demo/",)
DEVELOPMENT_ONLY = frozenset({"benchmarks", "tests"})


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


def _rules_broken(path: str, top: str, module: str) -> Iterator[str]:
    head = module.split(".")[0]
    if head == "telegram" and not path.startswith(TELEGRAM_ALLOWED):
        yield "only bot/ imports telegram"
    if top in PRODUCTION and head in DEVELOPMENT_ONLY:
        yield f"{top} must not import {head}"
    if top == "sandbox" and head in LAYERS and module not in SANDBOX_MAY_IMPORT:
        yield "the sandbox imports nothing of N1 but the clock"
    if top in LAYERS and head == "sandbox" and not path.startswith(SANDBOX_USERS):
        yield "only the demo imports the sandbox"
    if top in LAYERS and head in LAYERS and LAYERS.index(head) > LAYERS.index(top):
        yield f"{top} must not import {head}"


def check_tree(root: Path) -> list[Violation]:
    """All violations in the packages under `root`."""
    violations: list[Violation] = []
    for top in CHECKED:
        for path in sorted((root / top).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            for line, module in imported_modules(path.read_text(encoding="utf-8")):
                for rule in _rules_broken(relative, top, module):
                    violations.append(Violation(relative, line, module, rule))
    return violations
