"""N1's code uses its dependencies through their public API only, and builds no code at run
time; the checker catches each way of breaking that."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from tests.architecture.private_names import (
    findings_in_source,
    inherited_private_overrides,
    module_name,
    source_files,
)

ROOT = Path(__file__).resolve().parents[2]


def test_n1s_code_touches_no_private_name_of_another_package() -> None:
    found = []
    for path in source_files(ROOT):
        found += findings_in_source(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


def test_no_n1_class_overrides_a_private_name_it_inherits() -> None:
    files = {
        module_name(ROOT, path): path
        for path in source_files(ROOT)
        # Alembic's scripts run only under Alembic; `__main__` modules run when imported.
        if "migrations" not in path.parts and path.name != "__main__.py"
    }
    assert inherited_private_overrides(files) == []


@pytest.mark.parametrize(
    ("source", "what"),
    [
        (
            "from telegram._utils.types import ODVInput\n",
            "imports _utils from telegram._utils.types",
        ),
        ("import sqlalchemy._private\n", "imports sqlalchemy._private"),
        (
            "from sqlalchemy.util import _collections\n",
            "imports _collections from sqlalchemy.util",
        ),
        ("await connection._execute(run)\n", "uses the private name ._execute"),
        ("result = await super()._post(endpoint)\n", "uses the private name ._post"),
        ("data = row._asdict()\n", "uses the private name ._asdict"),
        ("exec(source, namespace)\n", "calls exec()"),
        ("value = eval('1 + 1')\n", "calls eval()"),
        ("getattr(bot, '_request')\n", "getattr() of private '_request'"),
    ],
)  # fmt: skip
def test_the_checker_finds_each_kind_of_private_use(source: str, what: str) -> None:
    wrapped = "async def f(connection, bot, row, namespace, source, endpoint, run):\n"
    wrapped += textwrap.indent(source, "    ")
    assert [finding.what for finding in findings_in_source(wrapped)] == [what]


def test_the_checker_leaves_n1s_own_and_public_names_alone() -> None:
    source = textwrap.dedent(
        """
        from core.store.repositories._common import columns
        from sqlalchemy import select

        class Repository:
            def __init__(self, session):
                self._session = session

            @classmethod
            def make(cls):
                return cls._default()

            def __repr__(self):
                return object.__repr__(self)
        """
    )
    assert findings_in_source(source) == []


def test_the_checker_finds_an_inherited_private_override(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "bot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lean.py").write_text(
        textwrap.dedent(
            """
            import threading

            class Worker(threading.Thread):
                def _own_helper(self):
                    return None

                def run(self):
                    return None

            class Sneaky(threading.Thread):
                def _stop(self):
                    return None
            """
        )
    )
    # Stand in for N1's own `bot` package: the probe must import its own module.
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [name for name in sys.modules if name == "bot" or name.startswith("bot.")]:
        monkeypatch.delitem(sys.modules, name)
    found = inherited_private_overrides({"bot.lean": package / "lean.py"})
    assert [(finding.path, finding.what) for finding in found] == [
        ("bot.lean.Sneaky", "overrides _stop, a private name of a class it inherits")
    ]
