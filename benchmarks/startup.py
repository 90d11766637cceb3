"""B1: start-up with N patients: N1's scheduling side (engine, Ticker, first idle tick) against
registering N `run_daily` jobs. Each side runs in a fresh subprocess so its memory is its own.

`python -m benchmarks.startup --child n1 URL` and `--child baseline N BASE_URL FILE_URL` are
the subprocesses; they print one JSON line. With `N1_BENCH_POSTGRES_URL` set (a server URL),
N1's start-up is also measured on a scratch PostgreSQL database there.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from benchmarks.table import Figure

FULL, QUICK = 100_000, 2_000
# Memory is measured at two sizes: N and N / SMALLER.
SMALLER = 10
MB = 1024 * 1024


def _ready_at() -> float:
    # Wall-clock time, compared with the parent's just before it started this process.
    # (psutil's `create_time()` is not used: on Linux it adds the start to the boot time,
    # which the kernel gives in whole seconds, so "since creation" was off by up to 1 s.)
    return time.time()


async def _n1_child(url: str) -> dict[str, Any]:
    # Only what the running bot's scheduling side imports: the benchmark helpers in
    # benchmarks.tick would add Alembic, which the timed start-up does not need.
    from core.callbacks import CallbackCodec, derive_key
    from core.clock import FakeClock
    from core.store.engine import create_engine, create_session_factory
    from scheduler.tick import Ticker

    engine = create_engine(url)
    clock = FakeClock(datetime(2027, 1, 4, 8, 0, tzinfo=UTC))  # as benchmarks.tick.JOINED
    codec = CallbackCodec(derive_key("n1-benchmarks"))
    ticker = Ticker(create_session_factory(engine), clock=clock, codec=codec)
    report = await ticker.tick()
    ready = _ready_at()
    rss = psutil.Process().memory_info().rss
    await engine.dispose()
    return {"ready_at": ready, "rss": rss, "queued": report.queued}


async def _baseline_child(patients: int, base_url: str, file_url: str) -> dict[str, Any]:
    from benchmarks.baseline import jobqueue_bot

    application = jobqueue_bot.build(base_url, file_url)
    async with application:
        await application.start()
        before = psutil.Process().memory_info().rss
        started = time.perf_counter()
        jobqueue_bot.register(
            application, patients, jobqueue_bot.zoned_time(9, 0), jobqueue_bot.Sent()
        )
        registered = time.perf_counter() - started
        ready = _ready_at()
        rss = psutil.Process().memory_info().rss
        await application.stop()
    return {"ready_at": ready, "register_seconds": registered, "rss": rss, "added": rss - before}


def _child(arguments: list[str]) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks.startup", "--child", *arguments]
    env = dict(os.environ)
    root = Path(__file__).resolve().parent.parent
    spawned = time.time()
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=env, cwd=root)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # From just before the process was started until it was ready: interpreter, imports,
    # engine and the first tick (or, for the baseline, every job registered).
    result["seconds"] = result.pop("ready_at") - spawned
    return result


@dataclass(frozen=True)
class Side:
    """One side's start-up at the full size and at the smaller size."""

    seconds: float
    rss: float
    rss_small: float


@dataclass(frozen=True)
class Postgres:
    """N1's start-up on PostgreSQL at the full size."""

    seconds: float
    rss: float


async def _n1_started(patients: int, server_url: str | None = None) -> dict[str, Any]:
    """N1's start-up child run on a fresh database of `patients` (SQLite, or PostgreSQL on
    `server_url`)."""
    from benchmarks.tick import database, populate
    from core.store.engine import create_session_factory
    from core.store.scratch import scratch_postgres_database

    async with AsyncExitStack() as stack:
        url = None
        if server_url is not None:
            url = await stack.enter_async_context(
                scratch_postgres_database(server_url, prefix="n1_bench")
            )
        target, engine = await stack.enter_async_context(database(url))
        await populate(create_session_factory(engine), patients)
        await engine.dispose()
        return await asyncio.to_thread(_child, ["n1", target])


async def _measure(patients: int) -> tuple[Side, Side, Postgres | None]:
    from sandbox import BotApiSandbox, SandboxLimits

    n1 = {size: await _n1_started(size) for size in (patients // SMALLER, patients)}
    from benchmarks.tick import postgres_server_url

    server_url = postgres_server_url()
    postgres = None
    if server_url is not None:
        on_postgres = await _n1_started(patients, server_url)
        postgres = Postgres(on_postgres["seconds"], on_postgres["rss"] / MB)
    base: dict[int, dict[str, Any]] = {}
    async with BotApiSandbox(limits=SandboxLimits.off()) as sandbox:
        for size in (patients // SMALLER, patients):
            base[size] = await asyncio.to_thread(
                _child, ["baseline", str(size), sandbox.base_url, sandbox.file_url]
            )
    small = patients // SMALLER
    return (
        Side(n1[patients]["seconds"], n1[patients]["rss"] / MB, n1[small]["rss"] / MB),
        Side(base[patients]["seconds"], base[patients]["rss"] / MB, base[small]["rss"] / MB),
        postgres,
    )


def run(quick: bool) -> list[Figure]:
    """The start-up benchmark's figures (SQLite; PostgreSQL too when configured)."""
    patients = QUICK if quick else FULL
    n1, base, postgres = asyncio.run(_measure(patients))
    small = patients // SMALLER
    growth = n1.rss - n1.rss_small
    figures = [
        Figure(
            "startup",
            f"ready with {patients:,} patients (SQLite)",
            n1.seconds,
            "s",
            baseline=base.seconds,
            target="< 1 s",
            met=n1.seconds < 1.0,
        ),
        Figure(
            "startup",
            f"resident memory, {patients:,} patients",
            n1.rss,
            "MB",
            baseline=base.rss,
            target="< 120 MB",
            met=n1.rss < 120,
        ),
        Figure(
            "startup",
            f"resident memory, {small:,} patients",
            n1.rss_small,
            "MB",
            baseline=base.rss_small,
        ),
        Figure(
            "startup",
            f"memory growth {small:,} -> {patients:,}",
            growth,
            "MB",
            baseline=base.rss - base.rss_small,
            target="flat (< 5 MB)",
            met=growth < 5,
        ),
    ]
    if postgres is not None:
        figures += [
            Figure(
                "startup",
                f"ready with {patients:,} patients (PostgreSQL)",
                postgres.seconds,
                "s",
                baseline=base.seconds,
                target="< 1 s",
                met=postgres.seconds < 1.0,
            ),
            Figure(
                "startup",
                f"resident memory, {patients:,} patients (PostgreSQL)",
                postgres.rss,
                "MB",
                baseline=base.rss,
                target="< 120 MB",
                met=postgres.rss < 120,
            ),
        ]
    return figures


def main(argv: list[str]) -> int:
    """The subprocess entry point."""
    if len(argv) >= 2 and argv[0] == "--child":
        if argv[1] == "n1":
            result = asyncio.run(_n1_child(argv[2]))
        else:
            result = asyncio.run(_baseline_child(int(argv[2]), argv[3], argv[4]))
        print(json.dumps(result))
        return 0
    from benchmarks.table import render

    print(render(run("--quick" in argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
