"""Webhook mode: pushes with the secret header, retries, 409 on getUpdates, offsets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot, Update
from telegram.error import Conflict
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from core.clock import FakeClock
from sandbox import BotApiSandbox, SandboxClient, SandboxLimits
from tests.sandbox.conftest import BOT_ID, TOKEN, free_port, make_bot


class Receiver:
    """A tiny webhook endpoint that fails the first `failures` posts, then records them."""

    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.arrived = asyncio.Event()
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        if self.failures:
            self.failures -= 1
            return web.Response(status=500)
        body = await request.json()
        self.received.append((body, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        self.arrived.set()
        return web.Response(text="")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}/hook"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


@pytest.fixture
async def fast_retry_sandbox(clock: FakeClock) -> AsyncIterator[BotApiSandbox]:
    """A sandbox that retries failed webhook posts after 20 ms."""
    sandbox = BotApiSandbox(clock=clock, limits=SandboxLimits.off(), webhook_retry_delay=0.02)
    async with sandbox:
        yield sandbox


async def test_ptb_webhook_receives_updates_with_secret(
    sandbox: BotApiSandbox, client: SandboxClient
) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Welcome (webhook)")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    port = free_port()
    alice = client.user(1001, "Alice")
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_webhook(
            listen="127.0.0.1",
            port=port,
            url_path="tg",
            secret_token="s3cret-token",
            webhook_url=f"http://127.0.0.1:{port}/tg",
        )
        try:
            info = await app.bot.get_webhook_info()
            assert info.url == f"http://127.0.0.1:{port}/tg"
            with pytest.raises(Conflict, match="webhook is active"):
                await app.bot.get_updates()
            await alice.send_command("/start")
            [welcome] = await alice.wait_for_messages(1)
        finally:
            await app.updater.stop()
            await app.stop()
    # PTB rejects posts without the right secret (403), so a reply proves the header was sent.
    assert welcome.text == "Welcome (webhook)"
    assert not sandbox.bot(BOT_ID).updates


async def test_failed_posts_are_retried_and_reported(
    fast_retry_sandbox: BotApiSandbox,
) -> None:
    sandbox = fast_retry_sandbox
    receiver = Receiver(failures=2)
    await receiver.start()
    try:
        async with make_bot(sandbox) as bot, SandboxClient(sandbox.url, bot_id=BOT_ID) as client:
            await bot.set_webhook(receiver.url, secret_token="abc")
            await client.user(1001).send_text("one")
            await asyncio.wait_for(receiver.arrived.wait(), 5)
            info = await bot.get_webhook_info()
    finally:
        await receiver.stop()
    [(update, secret)] = receiver.received
    assert secret == "abc"
    assert update["message"]["text"] == "one"
    assert info.pending_update_count == 0
    assert info.last_error_message is not None
    assert "500" in info.last_error_message


async def test_pending_count_and_drop_pending_updates(bot: Bot, client: SandboxClient) -> None:
    # A webhook nobody listens on: updates pile up as pending.
    await bot.set_webhook(f"http://127.0.0.1:{free_port()}/nobody")
    user = client.user(1001)
    await user.send_text("a")
    await user.send_text("b")
    assert (await bot.get_webhook_info()).pending_update_count == 2
    await bot.delete_webhook(drop_pending_updates=True)
    info = await bot.get_webhook_info()
    assert info.url == ""
    assert info.pending_update_count == 0
    assert await bot.get_updates(timeout=0) == ()


async def test_offset_confirms_earlier_updates(bot: Bot, client: SandboxClient) -> None:
    user = client.user(1001)
    for text in ("one", "two", "three"):
        await user.send_text(text)
    first = await bot.get_updates(timeout=0, limit=2)
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    again = await bot.get_updates(timeout=0)  # nothing confirmed yet: all three come back
    assert len(again) == 3
    rest = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in rest if u.message] == ["three"]
    assert await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    sandbox: BotApiSandbox, bot: Bot, client: SandboxClient
) -> None:
    reached = asyncio.create_task(sandbox.bot(BOT_ID).update_signal.wait(5))
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await reached
    await client.user(1001).send_text("wake up")
    # Far below the 30 s poll timeout: the poll was woken, not timed out.
    updates = await asyncio.wait_for(poll, 2)
    assert [u.message.text for u in updates if u.message] == ["wake up"]


async def test_allowed_updates_filters_kinds(bot: Bot, client: SandboxClient) -> None:
    await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    await client.user(1001).send_text("ignored")
    assert await bot.get_updates(timeout=0) == ()
    await bot.get_updates(timeout=0, allowed_updates=[])  # back to the default set
    await client.user(1001).send_text("seen")
    [update] = await bot.get_updates(timeout=0)
    assert update.message is not None
    assert update.message.text == "seen"
