"""`AiohttpRequest` against the sandbox over real HTTP: calls, timeouts, 429s and uploads
come back to PTB as they do through its own httpx client."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.aiohttp_request import AiohttpRequest
from bot.sender import TelegramSender
from core.ports import OutgoingMessage, SendStatus
from sandbox import BotApiSandbox, SandboxClient, SimulatedUser
from tests.bot.conftest import BOT_ID, TOKEN

USER_ID = 7100


@pytest.fixture
async def person(sandbox: BotApiSandbox) -> AsyncIterator[SimulatedUser]:
    """Someone with an open private chat with the bot."""
    async with SandboxClient(sandbox.url, bot_id=BOT_ID) as client:
        user = client.user(USER_ID)
        await client.register_users([user])
        yield user


def _bot(sandbox: BotApiSandbox, request: AiohttpRequest) -> Bot:
    return Bot(
        TOKEN,
        base_url=sandbox.base_url,
        base_file_url=sandbox.file_url,
        request=request,
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


async def test_a_call_round_trips_parameters_and_the_result(
    sandbox: BotApiSandbox, person: SimulatedUser
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Yes é", callback_data="1:a:1")]])
    async with _bot(sandbox, AiohttpRequest()) as bot:
        me = await bot.get_me()
        sent = await bot.send_message(USER_ID, "Hello, ünïcode ✓", reply_markup=keyboard)
    assert me.id == BOT_ID
    assert sent.text == "Hello, ünïcode ✓"
    seen = await person.last_message()
    assert seen.text == "Hello, ünïcode ✓"
    assert seen.labels == ["Yes é"]


async def test_a_tap_arrives_with_the_buttons_of_the_message_it_was_pressed_on(
    sandbox: BotApiSandbox, person: SimulatedUser
) -> None:
    # N1 counts a choice only if its data is one of the tapped message's own buttons.
    async with _bot(sandbox, AiohttpRequest()) as bot:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Yes", callback_data="1:a:1")]],
        )
        sent = await bot.send_message(USER_ID, "Question", reply_markup=keyboard)
        await person.press("Yes")
        (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None
    assert query.data == "1:a:1"
    assert isinstance(query.message, Message)
    assert (query.message.message_id, query.message.chat.id) == (sent.message_id, USER_ID)
    assert query.message.reply_markup is not None
    [[button]] = query.message.reply_markup.inline_keyboard
    assert (button.text, button.callback_data) == ("Yes", "1:a:1")


async def test_a_slow_answer_is_timed_out(sandbox: BotApiSandbox, person: SimulatedUser) -> None:
    del person
    sandbox.faults.add("timeout", method="sendMessage", delay=1.0)
    async with _bot(sandbox, AiohttpRequest(read_timeout=0.2)) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(USER_ID, "late")
        # A timeout passed for one call wins over the default.
        sandbox.faults.add("timeout", method="sendMessage", delay=0.5)
        sent = await bot.send_message(USER_ID, "in time", read_timeout=2.0)
    assert sent.text == "in time"


# PTB 22 warns that `retry_after` will become a timedelta; either is seven seconds here.
async def test_429_becomes_retry_after(sandbox: BotApiSandbox, person: SimulatedUser) -> None:
    del person
    sandbox.faults.add("429", method="sendMessage", retry_after=7)
    async with _bot(sandbox, AiohttpRequest()) as bot:
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(USER_ID, "flood")
    assert raised.value.retry_after in (7, timedelta(seconds=7))


async def test_a_file_is_uploaded_as_multipart_and_downloads_the_same(
    sandbox: BotApiSandbox, person: SimulatedUser
) -> None:
    del person
    content = bytes(range(256)) * 40  # binary, every byte value
    async with _bot(sandbox, AiohttpRequest()) as bot:
        sent = await bot.send_document(
            USER_ID, InputFile(content, filename="chart.png"), caption="Your week"
        )
        assert sent.document is not None
        assert sent.caption == "Your week"
        assert sent.document.file_name == "chart.png"
        file = await bot.get_file(sent.document.file_id)
        downloaded = await file.download_as_bytearray()
    assert bytes(downloaded) == content


async def test_an_unreachable_server_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` any more: the connection is refused.
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    assert not isinstance(raised.value, TimedOut)


async def test_it_refuses_calls_until_initialized_and_restarts_after_shutdown(
    sandbox: BotApiSandbox,
) -> None:
    request = AiohttpRequest()
    url = f"{sandbox.base_url}{TOKEN}/getMe"
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(url, "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless
    await request.initialize()
    try:
        status, body = await request.do_request(url, "POST")
    finally:
        await request.shutdown()
    assert status == 200
    assert b'"ok":true' in body.replace(b" ", b"")
    assert request.read_timeout == 5.0


async def test_a_bad_url_is_a_network_error_that_does_not_quote_the_token() -> None:
    async with AiohttpRequest() as request:
        for url in (f"http://[bad/bot{TOKEN}/getMe", f"ftp://host/bot{TOKEN}/getMe"):
            with pytest.raises(NetworkError) as raised:
                await request.post(url)
            assert TOKEN not in str(raised.value)


# --- what the dispatcher makes of each failure (`bot.sender.classify`) -----------------------


@asynccontextmanager
async def _server(*, hold: bool) -> AsyncIterator[str]:
    """A local server that reads each request's head, then hangs up at once, or (`hold`)
    keeps the connection open without ever answering."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if hold:
            await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}/bot"


def _sender(base_url: str, request: AiohttpRequest) -> TelegramSender:
    # The bot itself is not initialised: that would call getMe, which these servers refuse.
    return TelegramSender(Bot(TOKEN, base_url=base_url, request=request))


async def test_a_refused_connection_is_not_sent_so_the_message_is_tried_again() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with AiohttpRequest() as request:
        sender = _sender(f"http://127.0.0.1:{port}/bot", request)
        result = await sender.send(USER_ID, OutgoingMessage("Hello"))
    assert result.status is SendStatus.NOT_SENT


async def test_a_hang_up_after_the_request_went_out_is_uncertain_so_never_resent() -> None:
    # Telegram may have delivered it: sending it again could show the person two copies.
    async with _server(hold=False) as base_url, AiohttpRequest() as request:
        result = await _sender(base_url, request).send(USER_ID, OutgoingMessage("Hello"))
    assert result.status is SendStatus.UNCERTAIN


async def test_waiting_too_long_for_a_free_connection_is_not_sent() -> None:
    async with _server(hold=True) as base_url:
        request = AiohttpRequest(connection_pool_size=1, pool_timeout=0.1, connect_timeout=0.1)
        async with request:
            sender = _sender(base_url, request)
            # The one pooled connection stays busy with a call nobody answers.
            stuck = asyncio.create_task(sender.send(USER_ID, OutgoingMessage("first")))
            await asyncio.sleep(0)
            result = await sender.send(USER_ID, OutgoingMessage("second"))
            stuck.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await stuck
    assert result.status is SendStatus.NOT_SENT
