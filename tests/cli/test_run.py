"""`n1 run` as an operator runs it: a separate process, polling or webhook, real HTTP.

The sandbox stands in for Telegram on 127.0.0.1; `N1_TELEGRAM_API_URL` points N1 at it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from messages import journey, texts
from sandbox import BotApiSandbox, SandboxClient, SandboxLimits
from tests.keys import TEST_ENCRYPTION_KEY

N1 = str(Path(sys.executable).with_name("n1"))
BOT_ID = 5550002
TOKEN = f"{BOT_ID}:n1-run-test"
PRIVATE_WORDS = "my left knee SECRETWORD"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def n1_process(sandbox: BotApiSandbox, cwd: Path, **env: str) -> AsyncIterator[list[str]]:
    """`n1 run` against the sandbox; yields a list that receives its log once it exits."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("N1_")}
    environment.update(
        N1_BOT_TOKEN=TOKEN,
        N1_TELEGRAM_API_URL=sandbox.base_url,
        N1_TELEGRAM_FILE_URL=sandbox.file_url,
        N1_DATABASE_URL=f"sqlite+aiosqlite:///{cwd / 'n1.db'}",
        N1_LOG_LEVEL="DEBUG",
        N1_ENCRYPTION_KEYS=TEST_ENCRYPTION_KEY,
        **env,
    )
    process = await asyncio.create_subprocess_exec(
        N1, "run", cwd=cwd, env=environment, stderr=asyncio.subprocess.PIPE
    )
    log: list[str] = []
    try:
        yield log
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        log.append(stderr.decode())
        assert process.returncode == 0, log[0]


async def _converse(sandbox: BotApiSandbox) -> None:
    async with SandboxClient(sandbox.url, bot_id=BOT_ID) as client:
        person = client.user(301)
        await person.send_command("/start")
        await person.wait_for_messages(2, timeout=30)
        await person.press(journey.CONSENT_YES)
        await person.wait_for_messages(3, timeout=30)
        await person.send_text(PRIVATE_WORDS)
        replies = await person.wait_for_messages(4, timeout=30)
    assert replies[0].text == texts.INTRO
    assert replies[2].text == journey.ZONE
    assert replies[3].text == journey.ZONE_NOT_FOUND


async def test_n1_run_long_polls_and_answers_without_logging_what_people_write(
    tmp_path: Path,
) -> None:
    async with (
        BotApiSandbox(limits=SandboxLimits.off()) as sandbox,
        n1_process(sandbox, tmp_path) as log,
    ):
        await _converse(sandbox)
    assert "N1 is ready" in log[0]
    assert "SECRETWORD" not in log[0]
    assert TOKEN.split(":")[1] not in log[0]


async def test_n1_run_in_webhook_mode_takes_updates_only_with_the_secret(tmp_path: Path) -> None:
    port = _free_port()
    async with (
        BotApiSandbox(limits=SandboxLimits.off()) as sandbox,
        n1_process(
            sandbox,
            tmp_path,
            N1_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
            N1_WEBHOOK_PORT=str(port),
            N1_WEBHOOK_SECRET="webhook-secret_1",
        ) as log,
    ):
        await _converse(sandbox)
        info = sandbox.bot(BOT_ID).webhook
        assert info is not None
        assert info.url == f"http://127.0.0.1:{port}/telegram"
        async with httpx.AsyncClient() as http:
            forged = await http.post(
                f"http://127.0.0.1:{port}/telegram",
                json={"update_id": 999, "message": {}},
                headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
            )
        assert forged.status_code == 403
    assert "SECRETWORD" not in log[0]
