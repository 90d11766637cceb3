"""One row per measured figure, and the tables `python -m benchmarks` prints.

`python -m benchmarks.table FILE` prints the figures of a JSON file the command wrote as a
Markdown table (for benchmarks/README.md).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured figure: N1's value, the baseline's (when there is one), and the target."""

    bench: str
    name: str
    n1: float | None
    unit: str = ""
    baseline: float | None = None
    target: str = ""
    # True/False when the target is a plain comparison; None when there is none to check.
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        """Baseline over N1 (how many times better N1 is, for "lower is better" figures)."""
        # Only for positive figures: a memory growth that came out slightly negative (noise
        # around zero) has no meaningful "times better".
        if self.n1 is None or self.baseline is None or self.n1 <= 0:
            return None
        return self.baseline / self.n1

    def to_json(self) -> dict[str, Any]:
        """The figure as a JSON object (with its ratio)."""
        data = asdict(self)
        data["ratio"] = self.ratio
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Figure:
        """The figure `to_json` wrote (its ratio is worked out again, not read)."""
        return cls(**{key: value for key, value in data.items() if key != "ratio"})


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if value == int(value):
        text = f"{int(value):,}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 1:
        text = f"{value:.2f}"
    else:
        text = f"{value:.4f}"
    return f"{text} {unit}".strip()


def render(figures: Sequence[Figure]) -> str:
    """A fixed-width table: benchmark, figure, N1, baseline, ratio (baseline / N1), target."""
    header = ("bench", "figure", "N1", "baseline", "baseline/N1", "target", "met")
    rows = [header]
    for figure in figures:
        ratio = figure.ratio
        met = {True: "yes", False: "NO", None: ""}[figure.met]
        rows.append(
            (
                figure.bench,
                figure.name,
                _number(figure.n1, figure.unit),
                _number(figure.baseline, figure.unit),
                "-" if ratio is None else f"{ratio:.1f}x",
                figure.target,
                met,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown(figures: Sequence[Figure]) -> str:
    """The same table in Markdown (for benchmarks/README.md)."""
    lines = [
        "| bench | figure | N1 | baseline | baseline/N1 | target | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for figure in figures:
        ratio = figure.ratio
        met = {True: "yes", False: "**no**", None: ""}[figure.met]
        lines.append(
            f"| {figure.bench} | {figure.name} | {_number(figure.n1, figure.unit)} | "
            f"{_number(figure.baseline, figure.unit)} | "
            f"{'-' if ratio is None else f'{ratio:.1f}x'} | {figure.target} | {met} |"
        )
    return "\n".join(lines)


def markdown_of(path: Path) -> str:
    """The Markdown table of the figures in a JSON file `python -m benchmarks` wrote."""
    document = json.loads(path.read_text(encoding="utf-8"))
    return markdown([Figure.from_json(data) for data in document["figures"]])


if __name__ == "__main__":
    print(markdown_of(Path(sys.argv[1])))
