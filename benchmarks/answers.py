"""B6: button answers through the real PTB application into the store.

Every person gets a check-in (ticked and sent before the taps), then taps the first answer on
it, `CONCURRENT` people at a time. Two ways in, each on SQLite and, when
`N1_BENCH_POSTGRES_URL` is set, on a fresh PostgreSQL database created on that server (and
dropped after):

- fed (scale.md B6): the callback-query updates are made first (pressed in the sandbox and
  fetched), then put straight on the application's update queue, with no `getUpdates`; N1's
  update processor and handlers take them from there, write one answer row each, and answer
  and edit over HTTP to the sandbox. Latency runs from the feed to the end of the update's
  handling (a last handler group marks it).
- polling (end to end): simulated users press the button in the sandbox, PTB long-polls it;
  latency runs from the press to the moment the sandbox has N1's answer to the callback query
  (the simulated user's own HTTP and long poll included).

The sandbox runs in a separate process: Telegram is never in N1's process, and on 2 cores an
in-process sandbox takes a large share of the one core N1's event loop runs on. So do the
simulated users of the polling run (`python -m benchmarks.answers --tap`): their HTTP client
and long polls cost about as much CPU per tap as N1 itself, and people's phones are not in
N1's process either.
SQL statements and transactions are counted per tap in the fed run, inside the handlers only
(SQLAlchemy's `before_cursor_execute` and `begin` events; SQLite's `BEGIN IMMEDIATE` counts
as the transaction, not as a statement). The answers are then counted in the store.

`python -m benchmarks.answers --profile [TAPS] [--postgres]` splits the fed run's CPU per
tap by component (PTB, the HTTP client, SQLAlchemy, N1's own code, asyncio) with cProfile.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, event, func, select

from benchmarks.sandbox_process import sandbox_in_process_of_its_own
from benchmarks.table import Figure
from benchmarks.tick import DUE, JOINED, POSTGRES_ENV, populate, postgres_server_url
from bot.app import (
    N1Application,
    build_application,
    feed_update,
    running_bot,
    take_updates,
    watch_handling,
)
from sandbox import BotApiSandbox, SandboxClient, SandboxLimits, SimulatedUser
from bot.sender import TelegramSender, sandbox_bot
from core.callbacks import CallbackCodec, derive_key
from core.clock import FakeClock
from core.settings import load_settings
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from core.store.scratch import scratch_postgres_database
from core.store.tables import AnswerRow
from messages.catalogue import Catalogue, load_catalogue
from scheduler.dispatcher import Dispatcher, DispatchSettings, LocalLock
from scheduler.rate_limit import DeliveryLimits
from scheduler.tick import Ticker

BOT_ID = 5550301
TOKEN = f"{BOT_ID}:n1-bench-answers"
FULL, QUICK = 2_000, 200
CONCURRENT = 16
FIRST_USER = 30_000_000

Mode = Literal["fed", "polling"]
MODES: tuple[Mode, ...] = ("fed", "polling")


@dataclass(frozen=True)
class AnswerFigures:
    """What one answers run measured."""

    mode: Mode
    database: str
    taps: int
    seconds: float
    p50: float
    p95: float
    stored: int
    statements: int
    transactions: int

    @property
    def per_second(self) -> float:
        """Answers per second."""
        return self.taps / self.seconds if self.seconds else 0.0


class StatementCounter:
    """Counts SQL statements and transactions run by the handler tasks only (the bot's own
    tick and dispatcher run alongside and are not counted)."""

    def __init__(self) -> None:
        self.tasks: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
        self.statements = 0
        self.transactions = 0
        self.counting = False

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Listen on every engine's statements and transaction starts meanwhile.

        Registered before the bot starts: adding a listener while a `begin` listener is
        running (SQLite's sends `BEGIN IMMEDIATE`, which awaits) breaks SQLAlchemy's loop.
        """
        event.listen(Engine, "before_cursor_execute", self._statement)
        event.listen(Engine, "begin", self._begin)
        try:
            yield
        finally:
            event.remove(Engine, "before_cursor_execute", self._statement)
            event.remove(Engine, "begin", self._begin)

    def _mine(self) -> bool:
        if not self.counting:
            return False
        with contextlib.suppress(RuntimeError):
            return asyncio.current_task() in self.tasks
        return False

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._mine() and not statement.startswith("BEGIN"):
            self.statements += 1

    def _begin(self, _conn: Any) -> None:
        if self._mine():
            self.transactions += 1

    def note_task(self, update_id: int) -> None:
        """Before N1's handlers: the task handling this update is one of the bot's handlers."""
        del update_id
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)


class Finished:
    """After N1's handlers: resolves the future of each fed update when its handling ends."""

    def __init__(self) -> None:
        self.waiting: dict[int, asyncio.Future[float]] = {}

    def expect(self, update_id: int) -> asyncio.Future[float]:
        """A future resolved (with the end time) once `update_id` has been handled."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[update_id] = future
        return future

    def mark(self, update_id: int) -> None:
        """Resolve the update's future."""
        future = self.waiting.pop(update_id, None)
        if future is not None and not future.done():
            future.set_result(time.perf_counter())


@contextlib.asynccontextmanager
async def sandbox_url(in_process: bool, clock: FakeClock) -> AsyncIterator[str]:
    """The sandbox's root URL, in this process or a child one."""
    if in_process:
        async with BotApiSandbox(clock=clock, limits=SandboxLimits.off()) as sandbox:
            yield sandbox.url
    else:
        async with sandbox_in_process_of_its_own(
            bot_id=BOT_ID, limits=SandboxLimits.off()
        ) as sandbox:
            url = sandbox.url
            yield url


@contextlib.asynccontextmanager
async def database(kind: str) -> AsyncIterator[str]:
    """A fresh database: a SQLite file, or a scratch database on the PostgreSQL server."""
    if kind == "SQLite":
        with tempfile.TemporaryDirectory(prefix="n1-bench-answers-") as scratch:
            yield f"sqlite+aiosqlite:///{Path(scratch) / 'answers.db'}"
        return
    server = postgres_server_url()
    if server is None:
        raise RuntimeError(f"{POSTGRES_ENV} is not set")
    async with scratch_postgres_database(server, prefix="n1_bench_answers") as url:
        yield url


def databases() -> list[str]:
    """SQLite always; PostgreSQL when `N1_BENCH_POSTGRES_URL` is set."""
    return ["SQLite", "PostgreSQL"] if postgres_server_url() else ["SQLite"]


async def measure(
    taps: int,
    *,
    mode: Mode,
    database_kind: str = "SQLite",
    sandbox_in_process: bool = False,
    during: Callable[[], contextlib.AbstractContextManager[Any]] = contextlib.nullcontext,
) -> AnswerFigures:
    """Check-ins for `taps` people, then one tap each, `CONCURRENT` people at a time.

    `during()` is entered around the taps only (the profile uses it)."""
    clock = FakeClock(JOINED)
    counter, finished = StatementCounter(), Finished()
    async with (
        database(database_kind) as url,
        sandbox_url(sandbox_in_process, clock) as root,
        SandboxClient(root, bot_id=BOT_ID) as client,
    ):
        settings = load_settings(
            _env_file=None,
            bot_token=TOKEN,
            database_url=url,
            telegram_api_url=f"{root}/bot",
            telegram_file_url=f"{root}/file/bot",
        )
        catalogue = load_catalogue()
        # Everyone's check-in is opened and sent before the bot starts: one dispatcher at a
        # time, as in production (a second one would take the bot's claimed messages for a
        # crashed dispatcher's and mark them uncertain).
        users = await _checkins_sent(
            url, client, clock, codec=CallbackCodec(derive_key(settings.callback_secret(TOKEN))),
            catalogue=catalogue, taps=taps, root=root,
        )  # fmt: skip
        people = [client.user(user) for user in users]
        application = build_application(
            settings, clock, token=TOKEN, catalogue=catalogue, freeze_heap=True
        )
        watch_handling(application, started=counter.note_task, finished=finished.mark)
        with counter.watching():
            async with running_bot(application, polling=mode == "polling") as services:
                factory = services.session_factory
                label = (await people[0].last_message()).labels[2]
                if mode == "polling":
                    counter.counting = True
                    with during():
                        seconds, each = await _tap_elsewhere(root, users, label)
                else:
                    updates = await _pressed(application, people, label)
                    counter.counting = True
                    with during():
                        seconds, each = await _feed_all(application, finished, updates)
                counter.counting = False
                async with factory() as session:
                    stored = await session.scalar(select(func.count()).select_from(AnswerRow))
    return AnswerFigures(
        mode=mode,
        database=database_kind,
        taps=taps,
        seconds=seconds,
        p50=statistics.median(each),
        p95=sorted(each)[min(len(each) - 1, int(0.95 * len(each)))],
        stored=int(stored or 0),
        statements=counter.statements,
        transactions=counter.transactions,
    )


async def _checkins_sent(
    url: str,
    client: SandboxClient,
    clock: FakeClock,
    *,
    codec: CallbackCodec,
    catalogue: Catalogue,
    taps: int,
    root: str,
) -> list[int]:
    """`taps` people, each sent today's check-in through the sandbox; their user ids."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        factory = create_session_factory(engine)
        users = await populate(factory, taps, first_user=FIRST_USER)
        await client.register_users([client.user(user) for user in users])
        clock.set(DUE)
        ticker = Ticker(
            factory, clock=clock, codec=codec, catalogue=catalogue, max_batches=100_000
        )
        while (await ticker.tick()).more_due:
            pass
        bot = sandbox_bot(TOKEN, f"{root}/bot", f"{root}/file/bot")
        async with bot:
            dispatcher = Dispatcher(
                factory,
                TelegramSender(bot),
                clock=clock,
                lock=LocalLock(),
                settings=DispatchSettings(limits=DeliveryLimits.unlimited()),
                codec=codec,
            )
            await dispatcher.drain(max_rounds=100_000)
            await dispatcher.close()
        return users
    finally:
        await engine.dispose()


async def _tap_all(people: list[SimulatedUser], label: str) -> tuple[float, list[float]]:
    """Polling: each simulated user presses and waits for N1's callback answer."""
    queue: asyncio.Queue[SimulatedUser] = asyncio.Queue()
    for person in people:
        queue.put_nowait(person)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            person = queue.get_nowait()
            started = time.perf_counter()
            await person.press(label)
            await person.wait_for_answers(1, timeout=30.0)
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
    return time.perf_counter() - started, latencies


async def _tap_elsewhere(root: str, users: list[int], label: str) -> tuple[float, list[float]]:
    """Polling: the simulated users tap from a process of their own (`_tap_here`)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.answers", "--tap", root, label,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate(json.dumps(users).encode())
    if process.returncode != 0:
        raise RuntimeError(f"the simulated users' process failed ({process.returncode})")
    result = json.loads(out)
    return float(result["seconds"]), [float(value) for value in result["latencies"]]


async def _tap_here(root: str, label: str, users: list[int]) -> dict[str, Any]:
    """The simulated users' process: everyone taps `label`, `CONCURRENT` at a time."""
    async with SandboxClient(root, bot_id=BOT_ID) as client:
        seconds, latencies = await _tap_all([client.user(user) for user in users], label)
    return {"seconds": seconds, "latencies": latencies}


async def _pressed(
    application: N1Application, people: Sequence[SimulatedUser], label: str
) -> list[dict[str, Any]]:
    """Fed: press every button in the sandbox and fetch the updates (before any timing), so
    each carries a callback query id the sandbox will accept an answer for."""
    queue: asyncio.Queue[SimulatedUser] = asyncio.Queue()
    for person in people:
        queue.put_nowait(person)

    async def worker() -> None:
        while not queue.empty():
            await queue.get_nowait().press(label)

    await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
    return await take_updates(application, len(people))


async def _feed_all(
    application: N1Application, finished: Finished, updates: list[dict[str, Any]]
) -> tuple[float, list[float]]:
    """Fed: put each update on the update queue and wait until it has been handled."""
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for data in updates:
        queue.put_nowait(data)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            data = queue.get_nowait()
            done = finished.expect(int(data["update_id"]))
            started = time.perf_counter()
            # Parsed in the feed, as the updater parses what getUpdates returns.
            await feed_update(application, data)
            latencies.append(await asyncio.wait_for(done, timeout=30.0) - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
    return time.perf_counter() - started, latencies


def figures(f: AnswerFigures) -> list[Figure]:
    """One run's figures; the targets are on the fed (B6) runs."""
    where = f.database
    if f.mode == "fed":
        return [
            Figure("answers", f"fed to the application: answers per second ({f.taps:,} taps, "
                   f"{where})", f.per_second, "/s", target=">= 500/s", met=f.per_second >= 500),
            Figure("answers", f"fed: feed to handled, p50 ({where})", f.p50 * 1000, "ms"),
            Figure("answers", f"fed: feed to handled, p95 ({where})", f.p95 * 1000, "ms",
                   target="< 50 ms", met=f.p95 < 0.05),
            Figure("answers", f"fed: answers stored ({where})", float(f.stored), "",
                   target=f"{f.taps:,}", met=f.stored == f.taps),
            Figure("answers", f"fed: SQL statements per tap ({where})",
                   f.statements / f.taps, ""),
            Figure("answers", f"fed: transactions per tap ({where})",
                   f.transactions / f.taps, ""),
        ]  # fmt: skip
    return [
        Figure("answers", f"long polling, end to end: answers per second ({f.taps:,} taps, "
               f"{where})", f.per_second, "/s"),
        Figure("answers", f"polling: tap to callback answer, p50 ({where})", f.p50 * 1000, "ms"),
        Figure("answers", f"polling: tap to callback answer, p95 ({where})", f.p95 * 1000, "ms"),
        Figure("answers", f"polling: answers stored ({where})", float(f.stored), "",
               target=f"{f.taps:,}", met=f.stored == f.taps),
    ]  # fmt: skip


# Figures per database: six fed, then four polling.
FIGURES_PER_DATABASE = 10


def run(quick: bool) -> list[Figure]:
    """The answers benchmark's figures: fed and polling, on each database."""
    taps = QUICK if quick else FULL
    result: list[Figure] = []
    for kind in databases():
        for mode in MODES:
            result.extend(figures(asyncio.run(measure(taps, mode=mode, database_kind=kind))))
    return result


# --- where a tap's CPU goes: `python -m benchmarks.answers --profile [TAPS] [--postgres]` ---

# Components of the profile, by the code's file (first match wins); a builtin's or the
# standard library's own time goes to whoever called it.
_COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("HTTP client (aiohttp, or httpx)", ("/aiohttp/", "/yarl/", "/multidict/", "/httpx/",
                                         "/httpcore/", "/h11/", "/anyio/", "/sniffio/",
                                         "bot/aiohttp_request.py")),
    ("PTB: Bot API methods and requests", ("/telegram/_bot.py", "/telegram/ext/_extbot.py",
                                           "/telegram/request/", "/telegram/_callbackquery.py",
                                           "bot/lean_bot.py")),
    ("PTB: dispatch (queue, handlers, context)", ("/telegram/ext/",)),
    ("PTB: objects (Update.de_json, to_dict)", ("/telegram/",)),
    ("SQLAlchemy", ("/sqlalchemy/", "greenlet")),
    ("database driver (aiosqlite, asyncpg)", ("/aiosqlite/", "/asyncpg/")),
    ("N1: handlers, flows, store, texts", ("/bot/", "/core/", "/messages/", "/scheduler/")),
    ("benchmark harness", ("/benchmarks/",)),
    ("asyncio and the event loop", ("/asyncio/", "select.epoll", "_asyncio", "selectors.py",
                                    "socket", "_contextvars", "SimpleQueue")),
)  # fmt: skip
_UNPLACED = "other (standard library)"


def _component(path: str, name: str) -> str:
    where = f"{path}:{name}"
    for component, markers in _COMPONENTS:
        if any(marker in where for marker in markers):
            return component
    return _UNPLACED


def _placed(stats: dict[Any, Any], key: Any, seconds: float, depth: int = 0) -> dict[str, float]:
    """A function's own time by component; unplaced time goes up to its callers (as split
    between them by the profile), a few levels at most."""
    component = _component(key[0], key[2])
    callers: dict[Any, Any] = stats[key][4]
    if component != _UNPLACED or depth >= 4 or not callers:
        return {component: seconds}
    total = sum(entry[2] for entry in callers.values()) or 1.0
    placed: dict[str, float] = {}
    for caller, entry in callers.items():
        share = seconds * entry[2] / total
        parts = _placed(stats, caller, share, depth + 1) if caller in stats else {_UNPLACED: share}
        for found, part in parts.items():
            placed[found] = placed.get(found, 0.0) + part
    return placed


def _children_cpu() -> float:
    """CPU seconds used so far by this process's children (the sandbox); 0 without /proc."""
    total, me, ticks = 0.0, str(os.getpid()), os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError):
        for pid in filter(str.isdigit, os.listdir("/proc")):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                if fields[1] == me:
                    total += (int(fields[11]) + int(fields[12])) / ticks
    return total


@contextlib.contextmanager
def _cpu_meanwhile(into: dict[str, float], profile: cProfile.Profile | None) -> Iterator[None]:
    """CPU of the event loop's thread, the whole process and the sandbox, while profiling."""
    loop, process, sandbox = time.thread_time(), time.process_time(), _children_cpu()
    if profile is not None:
        profile.enable()
    try:
        yield
    finally:
        if profile is not None:
            profile.disable()
        into["loop"] = time.thread_time() - loop
        into["process"] = time.process_time() - process
        into["sandbox"] = _children_cpu() - sandbox


def profile_fed(taps: int, database_kind: str) -> str:
    """A fed run without the profiler (CPU per tap), then one under cProfile (on CPU time)
    whose own-time shares split the first run's event-loop CPU into components."""
    plain: dict[str, float] = {}
    figures = asyncio.run(measure(taps, mode="fed", database_kind=database_kind,
                                  during=lambda: _cpu_meanwhile(plain, None)))  # fmt: skip
    profile, ignored = cProfile.Profile(time.thread_time), dict[str, float]()
    asyncio.run(measure(taps, mode="fed", database_kind=database_kind,
                        during=lambda: _cpu_meanwhile(ignored, profile)))  # fmt: skip
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    components: dict[str, float] = {}
    for key, entry in stats.items():
        for component, seconds in _placed(stats, key, entry[2]).items():
            components[component] = components.get(component, 0.0) + seconds
    profiled = sum(components.values()) or 1.0
    per_tap = 1000 / taps
    loop, process = plain["loop"] * per_tap, max(plain["loop"], plain["process"]) * per_tap
    lines = [
        f"fed, {taps:,} taps, {database_kind}: {figures.per_second:.0f}/s, "
        f"p95 {figures.p95 * 1000:.0f} ms, {figures.statements / taps:.1f} statements per tap",
        f"CPU per tap: event loop {loop:.2f} ms, whole bot process {process:.2f} ms (so "
        f"{process - loop:.2f} ms in other threads: aiosqlite's), sandbox process "
        f"{plain['sandbox'] * per_tap:.2f} ms",
        "event loop's CPU per tap by component (cProfile's shares of the unprofiled CPU):",
    ]
    for component, seconds in sorted(components.items(), key=lambda item: -item[1]):
        share = seconds / profiled
        lines.append(f"  {component:42s} {share * loop:5.2f} ms  {share:6.1%}")
    return "\n".join(lines)


if __name__ == "__main__" and sys.argv[1:2] == ["--profile"]:
    numbers = [int(argument) for argument in sys.argv[2:] if argument.isdigit()]
    kind = "PostgreSQL" if "--postgres" in sys.argv else "SQLite"
    print(profile_fed(numbers[0] if numbers else 1000, kind))
elif __name__ == "__main__" and sys.argv[1:2] == ["--tap"]:
    # The polling run's simulated users: sandbox URL and label as arguments, ids on stdin.
    tapped = asyncio.run(_tap_here(sys.argv[2], sys.argv[3], json.loads(sys.stdin.read())))
    print(json.dumps(tapped))
elif __name__ == "__main__":
    for figure in run(quick="--quick" in sys.argv[1:]):
        print(f"{figure.name}: {figure.n1:.2f} {figure.unit}")
