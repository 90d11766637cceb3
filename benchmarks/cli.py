"""`n1 bench [NAME ...] [--quick] [--json FILE]`: run the benchmarks, print the table, write
JSON with every figure, the machine and the date.

Wired into `bot/cli.py` as a command (`app.command("bench")(bench_command)`); also runnable as
`python -m benchmarks.cli`. Benchmarks are imported only when they run.

Each benchmark runs in a fresh Python process of its own (`--here` runs one in this
process): one benchmark's heap, threads, caches and imports then never weigh on the next.
Before each full-size benchmark the machine is given a few seconds to go quiet (PostgreSQL
finishing a checkpoint or vacuum after the previous one's bulk load, say), and the CPU it
was using when the benchmark started goes into the JSON, so a noisy figure can be told apart.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import sys
import tempfile
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


# Before a full-size benchmark: wait until the whole machine uses less CPU than this (percent
# of all cores), sampled over `_QUIET_SAMPLE` seconds, for at most `_QUIET_WAIT` seconds.
_QUIET_BELOW = 10.0
_QUIET_SAMPLE = 0.5
_QUIET_WAIT = 30.0


def wait_for_quiet(
    *, below: float = _QUIET_BELOW, sample: float = _QUIET_SAMPLE, wait: float = _QUIET_WAIT
) -> float:
    """Wait (at most `wait` s) until the machine's CPU use drops below `below` percent;
    returns the last sample, which the JSON keeps next to the figures."""
    import psutil

    deadline = time.monotonic() + wait
    busy = float(psutil.cpu_percent(interval=sample))
    while busy >= below and time.monotonic() < deadline:
        busy = float(psutil.cpu_percent(interval=sample))
    return busy


def _run_here(name: str, quick: bool) -> tuple[list[Figure], str | None]:
    """One benchmark in this process: its figures, or why it failed."""
    typer.echo(f"running {name}{' (quick)' if quick else ''} ...", err=True)
    try:
        return _runner(name)(quick), None
    except Exception as error:  # one broken benchmark must not hide the others' figures
        return [], f"{type(error).__name__}: {error}"


def _run_isolated(name: str, quick: bool) -> tuple[list[Figure], str | None]:
    """One benchmark in a fresh process (`python -m benchmarks.cli NAME --here`)."""
    with tempfile.TemporaryDirectory(prefix="n1-bench-") as scratch:
        path = Path(scratch) / f"{name}.json"
        command = [sys.executable, "-m", "benchmarks.cli", name, "--here", "--json", str(path)]
        if quick:
            command.append("--quick")
        # Its progress lines go to our stderr; its table is ours to print, with the others.
        finished = subprocess.run(command, stdout=subprocess.DEVNULL, check=False)
        if not path.exists():
            return [], f"the benchmark's process exited with status {finished.returncode}"
        document = json.loads(path.read_text(encoding="utf-8"))
    figures = [Figure.from_json(data) for data in document["figures"]]
    return figures, document["failed"].get(name)


def run_benchmarks(
    names: Sequence[str], quick: bool, json_path: Path | None, *, here: bool = False
) -> int:
    """Run `names` (all when empty), each in a fresh process unless `here`, print the table,
    write JSON; the exit status."""
    chosen = list(names) or list(NAMES)
    unknown = [name for name in chosen if name not in NAMES]
    if unknown:
        typer.echo(f"n1: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
        return 2
    started_at = datetime.now(UTC)
    figures: list[Figure] = []
    seconds: dict[str, float] = {}
    cpu_before: dict[str, float] = {}
    failed: dict[str, str] = {}
    for name in chosen:
        if not quick and not here:
            cpu_before[name] = wait_for_quiet()
        started = time.perf_counter()
        found, error = (_run_here if here else _run_isolated)(name, quick)
        figures.extend(found)
        if error is not None:
            failed[name] = error
            typer.echo(f"n1: benchmark {name} failed: {error}", err=True)
        seconds[name] = time.perf_counter() - started
    typer.echo(render(figures))
    if json_path is not None:
        document = {
            "date": started_at.isoformat(),
            "quick": quick,
            "machine": machine(),
            "benchmarks": chosen,
            "seconds": seconds,
            "cpu_percent_before": cpu_before,
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
    here: Annotated[
        bool,
        typer.Option("--here", help="Run in this process, not each in a fresh one.", hidden=True),
    ] = False,
) -> None:
    """Measure N1's speed and scale against a per-user PTB JobQueue bot."""
    code = run_benchmarks(names or [], quick, json_file, here=here)
    if code:
        raise typer.Exit(code=code)


def bench_app() -> typer.Typer:
    """A one-command Typer app (for `python -m benchmarks.cli`)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(bench_command)
    return app


if __name__ == "__main__":
    sys.exit(bench_app()())
