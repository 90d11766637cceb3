"""Several N1 processes on one PostgreSQL share the tick and the dispatcher: each check-in is
created once and sent once, even when one of them is killed mid-dispatch.

This module is also the worker those tests start: `python -m tests.scheduler.test_multiprocess`
runs the real N1 application (its tick and dispatcher, no polling) with settings from the
N1_* environment, prints one JSON line per tick, and stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import SystemClock
from core.domain import OutboxKind, OutboxStatus, PatientStatus, ScheduleKind
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from core.store.tables import CheckInRow, OutboxRow, PatientRow, ScheduleRow
from sandbox import BotApiSandbox, SandboxClient
from tests.keys import TEST_ENCRYPTION_KEY, fixed_cipher

ROOT = Path(__file__).resolve().parents[2]
BOT_ID = 5550077
TOKEN = f"{BOT_ID}:n1-multiprocess-token"
WORKER = [sys.executable, "-m", "tests.scheduler.test_multiprocess"]
SessionFactory = async_sessionmaker[AsyncSession]


# --- the worker ----------------------------------------------------------------------------


async def _worker() -> None:
    from bot.app import build_application, close_services, open_services
    from bot.jobs import delivery_jobs
    from core.settings import load_settings
    from messages.catalogue import load_catalogue

    settings = load_settings()
    application = build_application(
        settings,
        SystemClock(),
        token=settings.require_token(),
        catalogue=load_catalogue(settings.messages_dir),
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with application:
        await open_services(application)
        jobs = delivery_jobs(application)
        assert jobs is not None
        tick = jobs.ticker.tick

        async def reporting_tick() -> Any:
            report = await tick()
            line = {k: v for k, v in asdict(report).items() if isinstance(v, int)}
            print(json.dumps(line), flush=True)
            return report

        jobs.ticker.tick = reporting_tick  # type: ignore[method-assign]
        await application.start()
        print(json.dumps({"ready": os.getpid()}), flush=True)
        await stop.wait()
        await application.stop()
        await close_services(application)


# --- the test side -------------------------------------------------------------------------


@dataclass
class Seeded:
    """Who was put in the database: people whose check-in windows all closed during the
    "downtime" (recorded as missed), and people with one check-in due and open now."""

    historic: list[int]
    current: list[int]
    current_chats: list[int]


async def seed(
    session_factory: SessionFactory, now: datetime, historic: int, current: int
) -> Seeded:
    """Insert people in bulk, with schedule rows as `reschedule` would leave them."""
    due_now = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
    past = (now - timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
    people: list[dict[str, Any]] = []
    for n in range(historic + current):
        is_current = n >= historic
        people.append(
            {
                "telegram_user_id": 700_000 + n,
                "chat_id": 700_000 + n,
                "status": PatientStatus.ACTIVE.value,
                "time_zone": "UTC",
                "checkin_days": 127 if is_current else 1 << past.weekday(),
                "checkin_time": (due_now if is_current else past).strftime("%H:%M"),
                "quiet_start": "00:00",
                "quiet_end": "00:00",
                "created_at": now - timedelta(days=4),
                "updated_at": now - timedelta(days=4),
                "last_seen_at": now - timedelta(minutes=5),
            }
        )
    async with session_factory.begin() as session:
        ids = list(
            (await session.scalars(insert(PatientRow).returning(PatientRow.id), people)).all()
        )
        rows = [
            {
                "patient_id": patient_id,
                "kind": ScheduleKind.CHECKIN.value,
                "next_due_at": due_now if n >= historic else past,
                "due_local_date": (due_now if n >= historic else past).date(),
                "updated_at": now,
            }
            for n, patient_id in enumerate(ids)
        ]
        await session.execute(insert(ScheduleRow), rows)
    chats = [700_000 + n for n in range(historic, historic + current)]
    return Seeded(ids[:historic], ids[historic:], chats)


@dataclass
class Worker:
    """One N1 process, its stdout read in the background."""

    process: asyncio.subprocess.Process
    lines: list[dict[str, Any]]
    reader: asyncio.Task[None] | None = None

    async def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        self.process.send_signal(signal.SIGKILL)
        await self.wait()

    async def terminate(self) -> int:
        """SIGTERM: a clean stop; returns the exit status."""
        self.process.send_signal(signal.SIGTERM)
        return await self.wait()

    async def wait(self) -> int:
        code = await asyncio.wait_for(self.process.wait(), timeout=30)
        if self.reader is not None:
            await self.reader
        return code

    def ticks(self) -> list[dict[str, Any]]:
        """The reports of the ticks this process completed."""
        return [line for line in self.lines if "checkins_missed" in line]


async def _read(process: asyncio.subprocess.Process, lines: list[dict[str, Any]]) -> None:
    assert process.stdout is not None
    async for raw in process.stdout:
        line = raw.decode().strip()
        if line.startswith("{"):
            lines.append(json.loads(line))


async def start_worker(database_url: str, sandbox: BotApiSandbox, tmp_path: Path) -> Worker:
    """Start an N1 process against the database and the sandbox; wait until it runs."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("N1_")}
    environment.update(
        PYTHONPATH=str(ROOT),
        N1_BOT_TOKEN=TOKEN,
        N1_DATABASE_URL=database_url,
        N1_TELEGRAM_API_URL=sandbox.base_url,
        N1_TELEGRAM_FILE_URL=sandbox.file_url,
        N1_TICK_SECONDS="0.3",
        N1_ENCRYPTION_KEYS=TEST_ENCRYPTION_KEY,
        N1_LOG_LEVEL="WARNING",
    )
    process = await asyncio.create_subprocess_exec(
        *WORKER,
        cwd=tmp_path,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    worker = Worker(process, [])
    reader = asyncio.create_task(_read(process, worker.lines))
    worker.reader = reader

    def started() -> bool:
        return any("ready" in line for line in worker.lines) or reader.done()

    try:
        await wait_for(started)
    except AssertionError:
        process.kill()
        raise
    if not any("ready" in line for line in worker.lines):
        raise AssertionError(f"worker exited with {await process.wait()}")
    return worker


async def wait_for(condition: Callable[[], Any], seconds: float = 30.0) -> None:
    """Poll `condition` (sync or async) every 10 ms until it holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met in time")


async def count(session_factory: SessionFactory, table: Any, *where: Any) -> int:
    """Rows in `table` matching `where`."""
    async with session_factory() as session:
        return int(
            await session.scalar(select(func.count()).select_from(table).where(*where)) or 0
        )


async def all_sent(session_factory: SessionFactory, expected: int) -> bool:
    """Every expected check-in message is queued, and none is pending or mid-send."""
    async with session_factory() as session:
        statuses = (
            await session.scalars(
                select(OutboxRow.status).where(OutboxRow.kind == OutboxKind.CHECKIN.value)
            )
        ).all()
    unsettled = {OutboxStatus.PENDING.value, OutboxStatus.SENDING.value}
    return len(statuses) == expected and not unsettled & set(statuses)


async def assert_each_sent_once(
    session_factory: SessionFactory, sandbox: BotApiSandbox, seeded: Seeded
) -> dict[str, int]:
    """Nothing lost, nothing twice: returns how many messages ended in each status."""
    async with session_factory() as session:
        check_ins = (await session.execute(select(CheckInRow.patient_id, CheckInRow.status))).all()
        messages = (await session.execute(select(OutboxRow.chat_id, OutboxRow.status))).all()
    per_patient: dict[int, list[str]] = {}
    for patient_id, status in check_ins:
        per_patient.setdefault(patient_id, []).append(status)
    # One check-in per person and day, whoever ticked, however often they were killed.
    assert {p: s for p, s in per_patient.items() if p in seeded.historic} == {
        p: ["missed_downtime"] for p in seeded.historic
    }
    assert {p: s for p, s in per_patient.items() if p in seeded.current} == {
        p: ["open"] for p in seeded.current
    }
    statuses: dict[str, int] = {}
    assert sorted(chat for chat, _ in messages) == sorted(seeded.current_chats)
    for chat, status in messages:
        statuses[status] = statuses.get(status, 0) + 1
        copies = len(sandbox.deliveries(chat))
        if status == OutboxStatus.SENT.value:
            assert copies == 1, chat
        else:
            # Only a message that may have gone out when a process died is in doubt.
            assert status == OutboxStatus.UNCERTAIN.value, (chat, status)
            assert copies <= 1, chat
    return statuses


@asynccontextmanager
async def running_sandbox(chats: list[int]) -> AsyncIterator[BotApiSandbox]:
    """The Bot API sandbox on real time, with Telegram's limits, and the people's chats."""
    async with BotApiSandbox() as sandbox, SandboxClient(sandbox.url, bot_id=BOT_ID) as client:
        sandbox.state.bot(BOT_ID)  # known before the first call, for the control API
        await client.register_users(client.user(chat) for chat in chats)
        yield sandbox


@pytest.mark.postgres
async def test_two_processes_on_postgres_send_each_checkin_once(
    tmp_path: Path, postgres_url: str
) -> None:
    url = postgres_url
    await upgrade(url)
    engine = create_engine(url)
    factory = create_session_factory(engine, fixed_cipher())
    try:
        seeded = await seed(factory, SystemClock().now(), historic=600, current=60)
        async with running_sandbox(seeded.current_chats) as sandbox:
            first, second = await asyncio.gather(
                start_worker(url, sandbox, tmp_path), start_worker(url, sandbox, tmp_path)
            )
            # Kill one while messages are going out; the other carries on alone.
            await wait_for(lambda: len(sandbox.deliveries()) >= 15)
            await first.kill()
            await wait_for(lambda: all_sent(factory, len(seeded.current)))
            assert await second.terminate() == 0
            statuses = await assert_each_sent_once(factory, sandbox, seeded)
        missed = sum(tick["checkins_missed"] for w in (first, second) for tick in w.ticks())
        # Counted only on commit: each row was fired by exactly one of the two.
        assert missed == len(seeded.historic) or first.ticks() == []
        print(
            f"\nmultiprocess: statuses {statuses}; missed recorded by the two workers: "
            f"{[sum(t['checkins_missed'] for t in w.ticks()) for w in (first, second)]}"
        )
        assert statuses.get(OutboxStatus.UNCERTAIN.value, 0) <= 8
    finally:
        await engine.dispose()


if __name__ == "__main__":
    from core.zones import use_bundled_tzdata

    use_bundled_tzdata()
    asyncio.run(_worker())
