"""Finds code that reaches into a dependency's private names, or builds code at run time.

Speed and features come from public APIs: a private name (a leading underscore) can change
in any minor release of the library that owns it, silently. Looked for, in N1's own code
(everything outside `tests/`):

- imports of a private module or name of another package (`from telegram._utils import x`,
  `from sqlalchemy.dialects.sqlite.aiosqlite import _x`);
- attribute access to a private name on anything but `self` or `cls`
  (`connection._execute`, `super()._post(...)`, `row._asdict()`), and `getattr` /
  `setattr` / `hasattr` with a private name spelt as a string;
- a class that overrides a private method or attribute it inherits from another package's
  class (`class LeanBot(ExtBot): async def _post(...)`), found by importing the class;
- `exec` and `eval`.

N1's own private names (its `_common` module, a class's `self._x`) are its own business.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# N1's own packages; everything else (third-party or standard library) is another package.
OWN = frozenset({"core", "messages", "scheduler", "usecases", "bot", "sandbox", "benchmarks"})
_ATTRIBUTE_FUNCTIONS = frozenset({"getattr", "setattr", "hasattr", "delattr"})


@dataclass(frozen=True)
class Finding:
    """One place that uses a private name of another package, or builds code."""

    path: str
    line: int
    what: str


def is_private(name: str) -> bool:
    """A leading underscore that is not a dunder (`__init__` is public protocol)."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _foreign(module: str) -> bool:
    return module.split(".")[0] not in OWN


def findings_in_source(source: str, path: str = "<source>") -> list[Finding]:
    """What the static rules find in one file's source."""
    found: list[Finding] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _foreign(alias.name) and any(map(is_private, alias.name.split("."))):
                    found.append(Finding(path, node.lineno, f"imports {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not _foreign(node.module):
                continue
            parts = node.module.split(".")
            private = [part for part in parts if is_private(part)]
            private += [alias.name for alias in node.names if is_private(alias.name)]
            if private:
                found.append(
                    Finding(path, node.lineno, f"imports {private[0]} from {node.module}")
                )
        elif isinstance(node, ast.Attribute) and is_private(node.attr):
            owner = node.value
            if not (isinstance(owner, ast.Name) and owner.id in {"self", "cls"}):
                found.append(Finding(path, node.lineno, f"uses the private name .{node.attr}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in {"exec", "eval"}:
                found.append(Finding(path, node.lineno, f"calls {name}()"))
            elif name in _ATTRIBUTE_FUNCTIONS and len(node.args) >= 2:
                spelt = node.args[1]
                if (
                    isinstance(spelt, ast.Constant)
                    and isinstance(spelt.value, str)
                    and is_private(spelt.value)
                ):
                    found.append(
                        Finding(path, node.lineno, f"{name}() of private {spelt.value!r}")
                    )
    return found


def source_files(root: Path) -> Iterator[Path]:
    """N1's own Python files under `root` (not the tests, not migrations' Alembic env)."""
    for top in sorted(OWN):
        yield from sorted((root / top).rglob("*.py"))


def module_name(root: Path, path: Path) -> str:
    """The importable name of a file under `root`."""
    relative = path.relative_to(root).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def _private_members(source: str) -> dict[str, list[tuple[str, int]]]:
    """Top-level class name -> the private names its body defines, with their lines."""
    members: dict[str, list[tuple[str, int]]] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        found: list[tuple[str, int]] = []
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((item.name, item.lineno))
            elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                found.append((item.target.id, item.lineno))
            elif isinstance(item, ast.Assign):
                names = [target.id for target in item.targets if isinstance(target, ast.Name)]
                found.extend((name, item.lineno) for name in names)
        members[node.name] = [(name, line) for name, line in found if is_private(name)]
    return members


def inherited_private_overrides(files: dict[str, Path]) -> list[Finding]:
    """Classes (module name -> its file) that define, in their own body, a private name a
    class of another package they inherit from has: they override that package's insides.

    Enum's documented `_sunder_` hooks are public API, and are left alone.
    """
    found: list[Finding] = []
    for name, path in files.items():
        defined = _private_members(path.read_text(encoding="utf-8"))
        if not any(defined.values()):
            continue
        module = importlib.import_module(name)
        for class_name, members in defined.items():
            cls = getattr(module, class_name, None)
            if not inspect.isclass(cls):
                continue
            foreign = [base for base in cls.__mro__[1:] if _foreign(base.__module__)]
            for member, line in members:
                sunder = member.startswith("_") and member.endswith("_")
                if not sunder and any(member in vars(base) for base in foreign):
                    what = f"overrides {member}, a private name of a class it inherits"
                    found.append(Finding(f"{name}.{class_name}", line, what))
    return found
