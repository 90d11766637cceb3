"""Fixtures: a started sandbox on a fake clock, a control client, and a PTB `Bot` bound to it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from core.clock import FakeClock
from sandbox import BotApiSandbox, SandboxClient, SandboxLimits

TOKEN = "123456:TEST"
BOT_ID = 123456
START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    """A clock that only moves when a test moves it."""
    return FakeClock(START)


@pytest.fixture
async def sandbox(clock: FakeClock) -> AsyncIterator[BotApiSandbox]:
    """A running sandbox with flood limits off (tests about limits turn them on)."""
    async with BotApiSandbox(clock=clock, limits=SandboxLimits.off()) as running:
        yield running


@pytest.fixture
async def client(sandbox: BotApiSandbox) -> AsyncIterator[SandboxClient]:
    """A control-API client bound to the test bot's id."""
    async with SandboxClient(sandbox.url, bot_id=BOT_ID) as control:
        yield control


def make_bot(sandbox: BotApiSandbox, read_timeout: float = 5.0) -> Bot:
    """A PTB `Bot` that talks to `sandbox` over HTTP."""
    return Bot(
        TOKEN,
        base_url=sandbox.base_url,
        base_file_url=sandbox.file_url,
        request=HTTPXRequest(read_timeout=read_timeout, connect_timeout=2.0),
    )


@pytest.fixture
async def bot(sandbox: BotApiSandbox) -> AsyncIterator[Bot]:
    """An initialized PTB `Bot` (initialize calls getMe, so the sandbox knows the bot)."""
    async with make_bot(sandbox) as ptb_bot:
        yield ptb_bot


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
