"""Fixtures: the real N1 application, polling the sandbox over HTTP, on a fresh database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.app import N1Application, build_application, running_bot
from bot.services import Running
from core.clock import FakeClock
from core.settings import Settings, load_settings
from sandbox import BotApiSandbox, SandboxClient, SandboxLimits, SimulatedUser
from tests.keys import TEST_ENCRYPTION_KEY
from tests.messages.helpers import shipped
from usecases.services import Services

BOT_ID = 5550001
TOKEN = f"{BOT_ID}:n1-test-token"
# A Monday morning in London winter time.
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@dataclass
class RunningN1:
    """A running N1 bot and the handles a test needs around it."""

    settings: Settings
    sandbox: BotApiSandbox
    client: SandboxClient
    clock: FakeClock
    application: N1Application = field(init=False)
    running: Running = field(init=False)
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def start(self) -> None:
        """Build a fresh N1 application on the same database and start polling."""
        self.application = build_application(
            self.settings, self.clock, token=TOKEN, catalogue=shipped()
        )
        self.running = await self._stack.enter_async_context(running_bot(self.application))

    @property
    def services(self) -> Services:
        """The use-cases' services of the running bot."""
        return self.running.services

    async def stop(self) -> None:
        """Stop polling and close the store, as a shutdown would."""
        await self._stack.aclose()

    async def restart(self) -> None:
        """Stop N1 and start it again, as after a crash or a deploy."""
        await self.stop()
        await self.start()

    def user(self, user_id: int, first_name: str = "Pat") -> SimulatedUser:
        """A simulated person in a 1:1 chat with N1."""
        return self.client.user(user_id, first_name=first_name)


@pytest.fixture
def clock() -> FakeClock:
    """Time that moves only when the test moves it."""
    return FakeClock(START)


@pytest.fixture
async def sandbox(clock: FakeClock) -> AsyncIterator[BotApiSandbox]:
    """The local Bot API, with flood limits off (delivery tests turn them on)."""
    async with BotApiSandbox(clock=clock, limits=SandboxLimits.off()) as running:
        yield running


def sandbox_settings(database_url: str, sandbox: BotApiSandbox, **more: Any) -> Settings:
    """Settings for N1 talking to `sandbox` (no `.env` read), with `more` on top."""
    return load_settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url=database_url,
        telegram_api_url=sandbox.base_url,
        telegram_file_url=sandbox.file_url,
        encryption_keys=TEST_ENCRYPTION_KEY,
        **more,
    )


@pytest.fixture
async def n1(
    database_url: str, sandbox: BotApiSandbox, clock: FakeClock
) -> AsyncIterator[RunningN1]:
    """N1 polling the sandbox, on SQLite and (when configured) PostgreSQL."""
    settings = sandbox_settings(database_url, sandbox)
    async with SandboxClient(sandbox.url, bot_id=BOT_ID) as client:
        running = RunningN1(settings, sandbox, client, clock)
        await running.start()
        try:
            yield running
        finally:
            await running.stop()
