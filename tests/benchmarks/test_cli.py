"""`python -m benchmarks`: what it runs, what it writes, and when it fails (with stand-in
benchmarks: CI runs the real ones at their small sizes, `make bench-quick`)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from benchmarks.cli import NAMES, Outcome, incomplete, run_benchmarks
from benchmarks.table import Figure


def _figures(name: str, count: int) -> list[Figure]:
    return [Figure(name, f"figure {n}", float(n), "s") for n in range(count)]


def test_every_benchmark_runs_in_order_and_every_figure_goes_into_the_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ran: list[tuple[str, bool]] = []

    def runner(name: str, quick: bool) -> Outcome:
        ran.append((name, quick))
        return _figures(name, 2), None

    path = tmp_path / "bench.json"
    assert run_benchmarks([], quick=True, json_path=path, runner=runner) == 0
    assert ran == [(name, True) for name in NAMES]
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["quick"] is True
    assert document["benchmarks"] == list(NAMES)
    assert document["failed"] == {}
    assert set(document["seconds"]) == set(NAMES)
    assert document["machine"]["cores"] >= 1
    assert document["machine"]["memory_bytes"] > 0
    assert document["date"]
    assert [Figure.from_json(data) for data in document["figures"]] == [
        figure for name in NAMES for figure in _figures(name, 2)
    ]
    assert "figure 1" in capsys.readouterr().out


def test_a_failed_benchmark_is_reported_and_the_others_still_run(tmp_path: Path) -> None:
    def runner(name: str, quick: bool) -> Outcome:
        if name == "tick":
            return _figures(name, 1), "wrote 1 figures, expected 5"
        return _figures(name, 1), None

    path = tmp_path / "bench.json"
    assert run_benchmarks(["tick", "burst"], quick=False, json_path=path, runner=runner) == 1
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["failed"] == {"tick": "wrote 1 figures, expected 5"}
    assert [figure["bench"] for figure in document["figures"]] == ["tick", "burst"]


def test_an_unknown_benchmark_is_refused(tmp_path: Path) -> None:
    assert run_benchmarks(["nope"], quick=True, json_path=tmp_path / "x.json") == 2
    assert not (tmp_path / "x.json").exists()


def test_figures_are_complete_when_every_declared_one_has_a_value() -> None:
    assert incomplete(_figures("tick", 3), 3) is None
    assert incomplete(_figures("tick", 2), 3) == "wrote 2 figures, expected 3"
    unmeasured = [*_figures("tick", 1), Figure("tick", "lag", math.nan), Figure("tick", "x", None)]
    assert incomplete(unmeasured, 3) == "no value for lag, x"
