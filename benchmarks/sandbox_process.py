"""The Bot API sandbox in a process of its own, as Telegram is never in the bot's process.

In the benchmark's process, the sandbox's request handling would take CPU from N1 itself
(about 0.5 ms per request at hundreds of requests a second on 2 cores).
`python -m benchmarks.sandbox_process` is the child: it prints its URL as one JSON line and
runs until SIGTERM or until the parent's end of its stdin closes (the parent is gone).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sandbox import BotApiSandbox, SandboxClient, SandboxLimits

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SandboxProcess:
    """The sandbox in a process of its own, reached over HTTP like Telegram."""

    url: str
    client: SandboxClient

    @property
    def base_url(self) -> str:
        """PTB's `base_url`."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """PTB's `base_file_url`."""
        return f"{self.url}/file/bot"


@contextlib.asynccontextmanager
async def sandbox_in_process_of_its_own(
    *, bot_id: int, limits: SandboxLimits
) -> AsyncIterator[SandboxProcess]:
    """Start the sandbox in a child process with `limits`; its control API is for `bot_id`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks.sandbox_process",
        stdin=asyncio.subprocess.PIPE,  # closed when this process ends, however it ends
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
        url = str(json.loads(line)["url"])
        async with SandboxClient(url, bot_id=bot_id, timeout=120) as client:
            await client.set_limits(**limits.to_json())
            yield SandboxProcess(url, client)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def serve() -> None:
    """The child: listen, print the URL, stop on SIGTERM or when the parent is gone."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # Read stdin on the loop (not in a thread, which would hold its lock at shutdown).
    parent = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(parent), sys.stdin)
    async with BotApiSandbox() as sandbox:
        print(json.dumps({"url": sandbox.url}), flush=True)
        parent_gone = asyncio.create_task(parent.read())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({parent_gone, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (parent_gone, stopped):
            task.cancel()


if __name__ == "__main__":
    asyncio.run(serve())
