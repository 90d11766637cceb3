"""Kill -9 mid-tick and mid-dispatch, then restart: no check-in lost, none sent twice.

The process is the real N1 application (tick and dispatcher, no polling) on a SQLite file,
talking to the sandbox over HTTP with Telegram's limits on. Check-ins that fell due while it
was down are sent if their window is still open, otherwise recorded as missed.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import select

from core.clock import SystemClock
from core.domain import OutboxStatus
from core.store.engine import create_engine, create_session_factory
from core.store.migrate import upgrade
from core.store.tables import CheckInRow, OutboxRow
from tests.keys import fixed_cipher
from tests.scheduler.test_multiprocess import (
    all_sent,
    assert_each_sent_once,
    count,
    running_sandbox,
    seed,
    start_worker,
    wait_for,
)

HISTORIC = 600
CURRENT = 40


async def test_kill_mid_tick_and_mid_dispatch_then_restart(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'n1.db'}"
    await upgrade(url)
    engine = create_engine(url)
    factory = create_session_factory(engine, fixed_cipher())
    try:
        seeded = await seed(factory, SystemClock().now(), historic=HISTORIC, current=CURRENT)
        async with running_sandbox(seeded.current_chats) as sandbox:
            # 1. Killed while the tick works through the check-ins that fell due while down.
            worker = await start_worker(url, sandbox, tmp_path)
            # A plain WAL reader: it never waits for the worker's write transactions.
            with closing(sqlite3.connect(tmp_path / "n1.db")) as reader:

                def check_ins_written() -> int:
                    return int(reader.execute("SELECT count(*) FROM check_ins").fetchone()[0])

                await wait_for(check_ins_written, seconds=30)
                await worker.kill()
            after_tick_kill = await count(factory, CheckInRow)
            assert 0 < after_tick_kill < HISTORIC + CURRENT  # the tick was under way

            # 2. Restarted, then killed again while the messages go out (25 a second).
            worker = await start_worker(url, sandbox, tmp_path)
            await wait_for(lambda: len(sandbox.deliveries()) >= CURRENT // 3)
            await worker.kill()
            delivered_at_kill = len(sandbox.deliveries())
            assert delivered_at_kill < CURRENT  # the dispatch was under way

            # 3. Restarted once more: it finishes, and stops cleanly when asked.
            worker = await start_worker(url, sandbox, tmp_path)
            await wait_for(lambda: all_sent(factory, CURRENT))
            assert await worker.terminate() == 0

            statuses = await assert_each_sent_once(factory, sandbox, seeded)
            # In doubt: at most what was in flight when the dispatcher was killed.
            uncertain = statuses.get(OutboxStatus.UNCERTAIN.value, 0)
            assert uncertain <= 8
            assert statuses.get(OutboxStatus.SENT.value, 0) == CURRENT - uncertain
            async with factory() as session:
                recorded = (
                    await session.scalars(
                        select(OutboxRow.last_error).where(
                            OutboxRow.status == OutboxStatus.UNCERTAIN.value
                        )
                    )
                ).all()
            assert all("mid-send" in (error or "") for error in recorded)
            print(
                f"\nrestart: {after_tick_kill} check-ins written before the first kill, "
                f"{delivered_at_kill} delivered before the second, final {statuses}"
            )
    finally:
        await engine.dispose()
