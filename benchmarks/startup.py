"""B1: start-up with N patients, each side in a fresh process so its memory is its own.

- N1's scheduling side: what the running bot needs before its first tick (the engine, the
  message library loaded and checked as `n1 run` loads it, `scheduler.tick.Ticker`) and
  that first tick, at N and N/10 patients on SQLite, and at N
  on PostgreSQL when `N1_BENCH_POSTGRES_URL` is set. The time runs from just before the
  parent starts the process (wall clock) until the first tick has returned (wall clock in
  the child): interpreter, imports, library, engine and tick. The library's share is
  reported on its own.
- The whole bot, as `n1 run` starts it: `bot.app.build_application`, then
  `bot.app.running_bot` (migrations checked, engine, commands registered, the tick and the
  dispatcher started, long polling the sandbox), until its first tick is done; SQLite, N.
- Baseline (`benchmarks/baseline/jobqueue_bot.py`): a started PTB application with one
  `run_daily` job per patient, at N and N/10.

`python -m benchmarks.startup --child n1 URL`, `--child bot URL SANDBOX` and
`--child baseline N BASE_URL FILE_URL` are the children; each prints one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]

from benchmarks.table import Figure, render

FULL, QUICK = 100_000, 2_000
# Memory is measured at two sizes: N and N / SMALLER.
SMALLER = 10
MB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
BOT_ID = 5550401
TOKEN = f"{BOT_ID}:n1-bench-startup"
# The children's clock: as benchmarks.harness.JOINED (nothing is due, so the tick is idle).
STARTED = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)


def _rss() -> int:
    return int(psutil.Process().memory_info().rss)


async def _n1_child(url: str) -> dict[str, Any]:
    # Only what the running bot's scheduling side imports (not the benchmark harness, which
    # brings PTB and Alembic).
    from benchmarks.keys import bench_cipher
    from core.callbacks import CallbackCodec, derive_key
    from core.clock import FakeClock
    from core.store.engine import create_engine, create_session_factory
    from messages.catalogue import load_catalogue
    from scheduler.tick import Ticker

    engine = create_engine(url)
    before_library, started = _rss(), time.perf_counter()
    catalogue = load_catalogue()
    library_seconds, library_bytes = time.perf_counter() - started, _rss() - before_library
    ticker = Ticker(
        create_session_factory(engine, bench_cipher()),
        clock=FakeClock(STARTED),
        codec=CallbackCodec(derive_key("n1-benchmarks")),
        catalogue=catalogue,
        # The batch size is left at its default: an idle tick claims nothing.
    )
    report = await ticker.tick()
    ready = time.time()
    rss = _rss()
    await engine.dispose()
    return {
        "ready_at": ready,
        "rss": rss,
        "queued": report.queued,
        "library_seconds": library_seconds,
        "library_bytes": library_bytes,
    }


async def _bot_child(url: str, sandbox: str) -> dict[str, Any]:
    from benchmarks.keys import BENCH_ENCRYPTION_KEY
    from bot.app import build_application, running_bot
    from bot.jobs import delivery_jobs
    from core.clock import FakeClock
    from core.settings import load_settings
    from messages.catalogue import load_catalogue

    settings = load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=url,
        telegram_api_url=f"{sandbox}/bot",
        telegram_file_url=f"{sandbox}/file/bot",
        encryption_keys=BENCH_ENCRYPTION_KEY,
    )
    application = build_application(
        settings, FakeClock(STARTED), token=TOKEN, catalogue=load_catalogue(), freeze_heap=True
    )
    async with running_bot(application):
        jobs = delivery_jobs(application)
        assert jobs is not None
        # Returns once a tick has run since the bot started (its own first one, or this).
        await jobs.tick_now()
        ready = time.time()
        rss = _rss()
    return {"ready_at": ready, "rss": rss}


async def _baseline_child(patients: int, base_url: str, file_url: str) -> dict[str, Any]:
    from benchmarks.baseline import jobqueue_bot

    application = jobqueue_bot.build(base_url, file_url)
    async with application:
        await application.start()
        jobqueue_bot.register(
            application, patients, jobqueue_bot.zoned_time(9, 0), jobqueue_bot.Sent()
        )
        ready = time.time()
        rss = _rss()
        await application.stop()
    return {"ready_at": ready, "rss": rss}


def _child(arguments: list[str]) -> dict[str, Any]:
    """Run a child; its result, with the seconds from just before it started until ready."""
    command = [sys.executable, "-m", "benchmarks.startup", "--child", *arguments]
    spawned = time.time()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"start-up child {arguments[0]} failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    # Wall clock on both sides: psutil's `create_time()` is not used, as on Linux it adds a
    # start to a boot time the kernel gives in whole seconds (off by up to 1 s).
    result["seconds"] = result.pop("ready_at") - spawned
    return result


@dataclass(frozen=True)
class Started:
    """One start-up: seconds until ready and resident memory then."""

    seconds: float
    rss: float
    library_seconds: float = 0.0
    library_rss: float = 0.0

    @classmethod
    def of(cls, result: dict[str, Any]) -> Started:
        """From a child's result."""
        return cls(
            float(result["seconds"]),
            result["rss"] / MB,
            float(result.get("library_seconds", 0.0)),
            result.get("library_bytes", 0) / MB,
        )


@dataclass(frozen=True)
class StartupFigures:
    """Everything the start-up benchmark measured."""

    patients: int
    n1: Started
    n1_small: Started
    bot: Started
    base: Started
    base_small: Started
    postgres: Started | None


async def _database_of(stack: AsyncExitStack, patients: int, kind: str) -> str:
    """A migrated database of `patients` people, kept until `stack` closes."""
    from benchmarks.harness import analyse_after_bulk_load, database
    from benchmarks.keys import bench_cipher
    from benchmarks.population import populate
    from core.store.engine import create_session_factory

    url, engine = await stack.enter_async_context(database(kind))
    await populate(create_session_factory(engine, bench_cipher()), patients)
    await analyse_after_bulk_load(engine)
    await engine.dispose()
    return url


async def measure(patients: int) -> StartupFigures:
    """Every child, one at a time."""
    from benchmarks.harness import POSTGRESQL, SQLITE, postgres_server_url
    from sandbox import BotApiSandbox, SandboxLimits

    small = patients // SMALLER
    async with AsyncExitStack() as stack:
        full_url = await _database_of(stack, patients, SQLITE)
        small_url = await _database_of(stack, small, SQLITE)
        n1 = Started.of(await asyncio.to_thread(_child, ["n1", full_url]))
        n1_small = Started.of(await asyncio.to_thread(_child, ["n1", small_url]))
        postgres = None
        if postgres_server_url() is not None:
            on_postgres = await _database_of(stack, patients, POSTGRESQL)
            postgres = Started.of(await asyncio.to_thread(_child, ["n1", on_postgres]))
        async with BotApiSandbox(limits=SandboxLimits.off()) as sandbox:
            bot = Started.of(await asyncio.to_thread(_child, ["bot", full_url, sandbox.url]))
            base = {
                size: Started.of(
                    await asyncio.to_thread(
                        _child, ["baseline", str(size), sandbox.base_url, sandbox.file_url]
                    )
                )
                for size in (small, patients)
            }
    return StartupFigures(patients, n1, n1_small, bot, base[patients], base[small], postgres)


def figures(f: StartupFigures) -> list[Figure]:
    """The start-up figures."""
    n, small = f"{f.patients:,}", f"{f.patients // SMALLER:,}"
    growth = f.n1.rss - f.n1_small.rss
    result = [
        Figure("startup", f"scheduling side ready, {n} patients (SQLite)", f.n1.seconds, "s",
               baseline=f.base.seconds, target="< 1 s", met=f.n1.seconds < 1.0),
        Figure("startup", "of which loading and checking the message library",
               f.n1.library_seconds, "s"),
        Figure("startup", f"resident memory, {n} patients", f.n1.rss, "MB",
               baseline=f.base.rss, target="< 120 MB", met=f.n1.rss < 120),
        Figure("startup", "of which the message library", f.n1.library_rss, "MB"),
        Figure("startup", f"resident memory, {small} patients", f.n1_small.rss, "MB",
               baseline=f.base_small.rss),
        Figure("startup", f"memory growth {small} -> {n}", growth, "MB",
               baseline=f.base.rss - f.base_small.rss, target="flat (< 5 MB)", met=growth < 5),
        Figure("startup", f"whole bot ready (build_application, running_bot, first tick), "
               f"{n} patients (SQLite)", f.bot.seconds, "s", baseline=f.base.seconds),
        Figure("startup", "whole bot: resident memory", f.bot.rss, "MB", baseline=f.base.rss),
    ]  # fmt: skip
    if f.postgres is not None:
        result += [
            Figure("startup", f"scheduling side ready, {n} patients (PostgreSQL)",
                   f.postgres.seconds, "s", baseline=f.base.seconds, target="< 1 s",
                   met=f.postgres.seconds < 1.0),
            Figure("startup", f"resident memory, {n} patients (PostgreSQL)", f.postgres.rss,
                   "MB", baseline=f.base.rss, target="< 120 MB", met=f.postgres.rss < 120),
        ]  # fmt: skip
    return result


def expected(postgres: bool) -> int:
    """How many figures `run` writes."""
    return 8 + (2 if postgres else 0)


def run(quick: bool) -> list[Figure]:
    """The start-up benchmark's figures."""
    return figures(asyncio.run(measure(QUICK if quick else FULL)))


def main(argv: list[str]) -> int:
    """The children's entry point, or the benchmark alone (`[--quick]`)."""
    from core.zones import use_bundled_tzdata

    use_bundled_tzdata()  # as the `n1` command does first
    if argv[:1] == ["--child"]:
        kind = argv[1]
        if kind == "n1":
            result = asyncio.run(_n1_child(argv[2]))
        elif kind == "bot":
            result = asyncio.run(_bot_child(argv[2], argv[3]))
        else:
            result = asyncio.run(_baseline_child(int(argv[2]), argv[3], argv[4]))
        print(json.dumps(result))
        return 0
    print(render(run("--quick" in argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
