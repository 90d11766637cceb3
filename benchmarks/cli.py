"""`python -m benchmarks [NAME ...] [--quick] [--json FILE]`: run the benchmarks, print the
table, and write JSON with every figure, the machine and the date.

Run from the repository's root (the benchmarks are not part of the installed package); `make
bench` and `make bench-quick` do. Each benchmark runs in a fresh Python process of its own
(`--here` runs one in this process), so one benchmark's heap, threads, caches and imports
never weigh on the next. Before each full-size benchmark the machine is given a few seconds
to go quiet (PostgreSQL finishing a checkpoint or vacuum after the previous one's bulk load,
say), and the CPU it was using when the benchmark started goes into the JSON.

Every benchmark module has `run(quick) -> list[Figure]` and `expected(postgres) -> int`, the
number of figures it writes; a benchmark that writes fewer, or a figure without a finite
value, counts as failed, and the command exits with status 1.
"""

from __future__ import annotations

import importlib
import json
import math
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

# Run in this order.
NAMES = ("startup", "tick", "burst", "broadcast", "answers", "summaries", "safety")
ROOT = Path(__file__).resolve().parent.parent

# One benchmark's run: (figures, why it failed or None).
Outcome = tuple[list[Figure], str | None]
Runner = Callable[[str, bool], Outcome]


def incomplete(figures: Sequence[Figure], expected: int) -> str | None:
    """Why a benchmark's figures are not all there, or None when they are."""
    problems = []
    if len(figures) != expected:
        problems.append(f"wrote {len(figures)} figures, expected {expected}")
    unmeasured = [f.name for f in figures if f.n1 is None or not math.isfinite(f.n1)]
    if unmeasured:
        problems.append(f"no value for {', '.join(unmeasured)}")
    return "; ".join(problems) or None


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


def run_here(name: str, quick: bool) -> Outcome:
    """One benchmark in this process: its figures, or why it failed."""
    typer.echo(f"running {name}{' (quick)' if quick else ''} ...", err=True)
    try:
        from benchmarks.harness import postgres_server_url
        from core.zones import use_bundled_tzdata

        use_bundled_tzdata()  # as the `n1` command does first
        module = importlib.import_module(f"benchmarks.{name}")
        figures: list[Figure] = module.run(quick)
        expected: int = module.expected(postgres_server_url() is not None)
    except Exception as error:  # one broken benchmark must not hide the others' figures
        return [], f"{type(error).__name__}: {error}"
    return figures, incomplete(figures, expected)


def run_isolated(name: str, quick: bool) -> Outcome:
    """One benchmark in a fresh process (`python -m benchmarks NAME --here --json ...`)."""
    with tempfile.TemporaryDirectory(prefix="n1-bench-") as scratch:
        path = Path(scratch) / f"{name}.json"
        command = [sys.executable, "-m", "benchmarks", name, "--here", "--json", str(path)]
        if quick:
            command.append("--quick")
        # Its progress lines go to our stderr; its table is ours to print, with the others.
        finished = subprocess.run(command, stdout=subprocess.DEVNULL, check=False, cwd=ROOT)
        if not path.exists():
            return [], f"the benchmark's process exited with status {finished.returncode}"
        document = json.loads(path.read_text(encoding="utf-8"))
    figures = [Figure.from_json(data) for data in document["figures"]]
    return figures, document["failed"].get(name)


def run_benchmarks(
    names: Sequence[str],
    quick: bool,
    json_path: Path | None,
    *,
    here: bool = False,
    runner: Runner | None = None,
) -> int:
    """Run `names` (all when empty), each in a fresh process unless `here` (or with
    `runner`), print the table, write JSON; the exit status."""
    chosen = list(names) or list(NAMES)
    unknown = [name for name in chosen if name not in NAMES]
    if unknown:
        typer.echo(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(NAMES)}")
        return 2
    run_one = runner or (run_here if here else run_isolated)
    started_at = datetime.now(UTC)
    figures: list[Figure] = []
    seconds: dict[str, float] = {}
    cpu_before: dict[str, float] = {}
    failed: dict[str, str] = {}
    for name in chosen:
        if not quick and not here and runner is None:
            cpu_before[name] = wait_for_quiet()
        started = time.perf_counter()
        found, error = run_one(name, quick)
        figures.extend(found)
        if error is not None:
            failed[name] = error
            typer.echo(f"benchmark {name} failed: {error}", err=True)
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
        bool, typer.Option("--quick", help="Small sizes: everything in a minute or two.")
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
    """A one-command Typer app (`python -m benchmarks`)."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(bench_command)
    return app
