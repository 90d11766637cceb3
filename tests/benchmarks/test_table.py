"""The figures table and its JSON form."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.table import Figure, markdown, markdown_of, render


def test_a_figure_read_back_from_json_is_the_figure_written() -> None:
    figure = Figure("tick", "idle tick", 2.5, "ms", baseline=10.0, target="< 5 ms", met=True)
    data = json.loads(json.dumps(figure.to_json()))
    assert data["ratio"] == 4.0
    assert Figure.from_json(data) == figure


def test_a_figure_at_or_below_zero_or_without_a_baseline_has_no_ratio() -> None:
    assert Figure("startup", "memory growth", -0.125, "MB", baseline=412.0).ratio is None
    assert Figure("startup", "memory growth", 0.0, "MB", baseline=412.0).ratio is None
    assert Figure("tick", "idle tick", 2.5, "ms").ratio is None
    assert Figure("startup", "memory growth", 0.5, "MB", baseline=412.0).ratio == 824.0


def test_the_table_shows_values_ratios_targets_and_whether_they_were_met() -> None:
    figures = [
        Figure("tick", "idle tick", 2.5, "ms", baseline=10.0, target="< 5 ms", met=True),
        Figure("tick", "firing 10,000", 1.234, "s", target="< 1 s", met=False),
        Figure("burst", "sent exactly once", 10_000.0, ""),
        Figure("answers", "CPU per tap", 0.01234, "ms"),
        Figure("answers", "nothing measured", None),
    ]
    lines = render(figures).splitlines()
    assert lines[0].split() == [
        "bench",
        "figure",
        "N1",
        "baseline",
        "baseline/N1",
        "target",
        "met",
    ]
    assert set(lines[1]) <= {"-", " "}
    assert lines[2].split() == ["tick", "idle", "tick", "2.50", "ms", "10", "ms", "4.0x", "<", "5",
                                "ms", "yes"]  # fmt: skip
    assert lines[3].split()[-1] == "NO"
    assert "10,000" in lines[4]
    assert "0.0123 ms" in lines[5]
    assert lines[6].split()[-2:] == ["-", "-"]


def test_the_markdown_table_marks_a_missed_target() -> None:
    table = markdown([Figure("tick", "firing", 1.5, "s", target="< 1 s", met=False)])
    assert table.splitlines()[0].startswith("| bench | figure | N1 |")
    assert table.splitlines()[2] == "| tick | firing | 1.50 s | - | - | < 1 s | **no** |"


def test_the_markdown_table_of_a_json_file_has_every_figure(tmp_path: Path) -> None:
    figures = [Figure("tick", "idle", 1.0, "ms"), Figure("burst", "missed", 0.0, "")]
    path = tmp_path / "bench.json"
    path.write_text(json.dumps({"figures": [f.to_json() for f in figures]}), encoding="utf-8")
    assert markdown_of(path) == markdown(figures)
