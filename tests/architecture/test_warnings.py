"""A warning raised from N1's own code fails the test run; a library's own does not."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent(
    """
    import warnings


    def test_warned_from_n1() -> None:
        warnings.warn_explicit(
            "old API", DeprecationWarning, "core/x.py", 1, module="core.store.x"
        )


    def test_warned_from_a_library() -> None:
        warnings.warn_explicit(
            "old API", DeprecationWarning, "lib.py", 1, module="somelibrary.inner"
        )
    """
)


def test_pytest_turns_warnings_from_n1s_modules_into_errors(tmp_path: Path) -> None:
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c",
         str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path), str(probe)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "1 failed, 1 passed" in result.stdout, result.stdout
    # The summary line may carry the warning's text after the test's name.
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1, result.stdout
    assert "test_probe.py::test_warned_from_n1" in failed[0], result.stdout
