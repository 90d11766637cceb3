"""`n1 bench --quick` runs every benchmark and writes every figure (no timing assertions)."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import answers
from benchmarks.cli import NAMES, run_benchmarks
from benchmarks.table import Figure
from benchmarks.tick import postgres_server_url

# The figures each benchmark reports (startup and answers: on SQLite and, when
# N1_BENCH_POSTGRES_URL is set, on PostgreSQL too).
ON_POSTGRES = postgres_server_url() is not None
EXPECTED = {
    "startup": 4 + (2 if ON_POSTGRES else 0),
    "tick": 4,
    "burst": 4,
    "broadcast": 6,
    "answers": answers.FIGURES_PER_DATABASE * len(answers.databases()),
    "summaries": 4,
}


def test_quick_runs_every_benchmark_and_writes_every_figure(tmp_path: Path) -> None:
    path = tmp_path / "bench.json"
    assert run_benchmarks([], quick=True, json_path=path) == 0
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["quick"] is True
    assert document["failed"] == {}
    assert document["benchmarks"] == list(NAMES)
    assert document["machine"]["cores"] >= 1
    assert document["machine"]["memory_bytes"] > 0
    assert document["date"]
    by_bench: dict[str, list[dict[str, object]]] = {}
    for figure in document["figures"]:
        by_bench.setdefault(str(figure["bench"]), []).append(figure)
    assert {name: len(figures) for name, figures in by_bench.items()} == EXPECTED
    for figures in by_bench.values():
        for figure in figures:
            assert isinstance(figure["n1"], int | float)
            assert figure["name"]


def test_an_unknown_benchmark_is_refused(tmp_path: Path) -> None:
    assert run_benchmarks(["nope"], quick=True, json_path=tmp_path / "x.json") == 2
    assert not (tmp_path / "x.json").exists()


def test_a_figure_read_back_from_json_is_the_figure_written() -> None:
    figure = Figure("tick", "idle tick", 2.5, "ms", baseline=10.0, target="< 5 ms", met=True)
    data = json.loads(json.dumps(figure.to_json()))
    assert data["ratio"] == 4.0
    assert Figure.from_json(data) == figure


def test_a_figure_at_or_below_zero_has_no_ratio() -> None:
    growth = Figure("startup", "memory growth", -0.125, "MB", baseline=412.0)
    assert growth.ratio is None
    assert Figure("startup", "memory growth", 0.5, "MB", baseline=412.0).ratio == 824.0
