"""The B7 benchmark runs small (the full 100,000 people run by hand: see its docstring)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.summaries import report, run


def test_the_summaries_benchmark_runs_small_with_one_statement(tmp_path: Path) -> None:
    figures = run(patients=300, path=tmp_path / "b7.db", batch=20, charts=1)
    assert figures.answers == 300 * 28
    assert figures.statements == 1
    assert figures.rows_seconds > 0
    assert figures.unpack_seconds > 0
    assert figures.summarised == 300
    assert figures.batch_size == 20
    assert 0 < figures.chart_bytes < 10 * 1024 * 1024
    assert "300 people" in report(figures)
