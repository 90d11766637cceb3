"""`n1 bench [NAME ...] [--quick] [--json FILE]`: run the benchmarks, print the table, write
JSON with every figure, the machine and the date.

Wired into `bot/cli.py` as a command (`app.command("bench")(bench_command)`); also runnable as
`python -m benchmarks.cli`. Benchmarks are imported only when they run.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from benchmarks.table import Figure, render

# Run in this order; each module has `run(quick: bool) -> list[Figure]`.
NAMES = ("startup", "tick", "burst", "broadcast", "answers", "summaries")
SUMMARIES_FULL, SUMMARIES_QUICK = 100_000, 2_000


def _summaries(quick: bool) -> list[Figure]:
    from benchmarks import summaries

    patients = SUMMARIES_QUICK if quick else SUMMARIES_FULL
    f = summaries.run(patients)
    return [
        Figure("summaries", f"weekly progress, {f.patients:,} patients, {f.answers:,} answers",
               f.total_seconds, "s", target="< 1.5 s for 100,000",
               met=(f.total_seconds < summaries.TARGET_SECONDS)
               if patients == SUMMARIES_FULL else None),
        Figure("summaries", "SQL statements for everyone", float(f.statements), "",
               target="fixed", met=None),
        Figure("summaries", f"tick batch of {f.batch_size} (compose, keep, log)",
               f.batch_seconds * 1000, "ms"),
        Figure("summaries", "database build (not timed against a target)", f.build_seconds, "s"),
    ]  # fmt: skip


def _runner(name: str) -> Callable[[bool], list[Figure]]:
    if name == "summaries":
        return _summaries
    module = importlib.import_module(f"benchmarks.{name}")
    runner: Callable[[bool], list[Figure]] = module.run
    return runner


def machine() -> dict[str, Any]:
    """Cores, memory and software of the machine the figures come from."""
    import psutil  # type: ignore[import-untyped]

    return {
        "cores": os.cpu_count(),
        "memory_bytes": psutil.virtual_memory().total,
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def run_benchmarks(names: Sequence[str], quick: bool, json_path: Path | None) -> int:
    """Run `names` (all when empty), print the table, write JSON; the exit status."""
    chosen = list(names) or list(NAMES)
    unknown = [name for name in chosen if name not in NAMES]
    if unknown:
        typer.echo(f"n1: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
        return 2
    started_at = datetime.now(UTC)
    figures: list[Figure] = []
    seconds: dict[str, float] = {}
    failed: dict[str, str] = {}
    for name in chosen:
        typer.echo(f"running {name}{' (quick)' if quick else ''} ...", err=True)
        started = time.perf_counter()
        try:
            figures.extend(_runner(name)(quick))
        except Exception as error:  # one broken benchmark must not hide the others' figures
            failed[name] = f"{type(error).__name__}: {error}"
            typer.echo(f"n1: benchmark {name} failed: {failed[name]}", err=True)
        seconds[name] = time.perf_counter() - started
    typer.echo(render(figures))
    if json_path is not None:
        document = {
            "date": started_at.isoformat(),
            "quick": quick,
            "machine": machine(),
            "benchmarks": chosen,
            "seconds": seconds,
            "failed": failed,
            "figures": [figure.to_json() for figure in figures],
        }
        json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 1 if failed else 0


def bench_command(
    names: Annotated[
        list[str] | None,
        typer.Argument(help=f"Benchmarks to run (default: all): {', '.join(NAMES)}."),
    ] = None,
    quick: Annotated[
        bool, typer.Option("--quick", help="Small sizes: everything in about a minute.")
    ] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write every figure as JSON here.")
    ] = None,
) -> None:
    """Measure N1's speed and scale against a per-user PTB JobQueue bot."""
    code = run_benchmarks(names or [], quick, json_file)
    if code:
        raise typer.Exit(code=code)


def bench_app() -> typer.Typer:
    """A one-command Typer app (for `python -m benchmarks.cli`)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(bench_command)
    return app


if __name__ == "__main__":
    sys.exit(bench_app()())
