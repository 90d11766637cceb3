"""Multipart uploads (sendPhoto, sendDocument), downloads, and bot commands."""

from __future__ import annotations

import struct
import zlib

import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, InputFile
from telegram.error import BadRequest

from sandbox import BotApiSandbox, SandboxClient, SimulatedUser


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def alice(client: SandboxClient, bot: Bot) -> SimulatedUser:
    """A user whose private chat with the bot is open."""
    user = client.user(1001, "Alice")
    await user.send_text("hi")
    return user


async def test_send_photo_upload_and_download(bot: Bot, alice: SimulatedUser) -> None:
    picture = png(1200, 800)
    sent = await bot.send_photo(
        alice.id,
        InputFile(picture, filename="week.png"),
        caption="<b>Your week</b>",
        parse_mode="HTML",
    )
    largest = sent.photo[-1]
    assert (largest.width, largest.height) == (1200, 800)
    assert largest.file_size == len(picture)
    assert [p.width for p in sent.photo] == [90, 320, 800, 1200]
    assert sent.caption == "Your week"
    assert sent.caption_entities[0].type == "bold"

    downloaded = await (await bot.get_file(largest.file_id)).download_as_bytearray()
    assert bytes(downloaded) == picture

    [seen] = await alice.messages()
    assert seen.has_photo
    assert seen.text == "Your week"
    assert seen.file_id == largest.file_id

    again = await bot.send_photo(alice.id, largest.file_id)  # re-send by file_id
    assert again.photo[-1].file_unique_id == largest.file_unique_id


async def test_send_document_upload(bot: Bot, alice: SimulatedUser) -> None:
    payload = b"date,pain\n2025-03-03,4\n"
    sent = await bot.send_document(
        alice.id, InputFile(payload, filename="export.csv"), caption="Your data"
    )
    assert sent.document is not None
    assert sent.document.file_name == "export.csv"
    assert sent.document.file_size == len(payload)
    assert sent.document.mime_type == "text/csv"
    [seen] = await alice.messages()
    assert seen.has_document
    assert seen.file_name == "export.csv"
    downloaded = await (await bot.get_file(sent.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == payload


async def test_photo_checks(bot: Bot, alice: SimulatedUser) -> None:
    with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
        await bot.send_photo(alice.id, InputFile(b"not an image", filename="x.png"))
    with pytest.raises(BadRequest, match=r"(?i)photo_invalid_dimensions"):
        await bot.send_photo(alice.id, InputFile(png(2100, 100), filename="wide.png"))
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(alice.id, InputFile(png(10, 10)), caption="x" * 1025)
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(alice.id, "no-such-file-id")
    assert await alice.messages() == []


async def test_commands_are_stored_per_scope(bot: Bot, alice: SimulatedUser) -> None:
    commands = [BotCommand("start", "Begin"), BotCommand("stop", "Pause check-ins")]
    assert await bot.set_my_commands(commands) is True
    assert await bot.set_my_commands(
        [BotCommand("help", "Help")], scope=BotCommandScopeChat(alice.id), language_code="de"
    )
    assert await bot.get_my_commands() == tuple(commands)
    assert [
        c.command
        for c in await bot.get_my_commands(scope=BotCommandScopeChat(alice.id), language_code="de")
    ] == ["help"]
    assert await bot.get_my_commands(language_code="fr") == ()
    with pytest.raises(BadRequest, match=r"(?i)bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad Command", "x")])
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == ()


async def test_uploads_are_logged_as_deliveries(
    sandbox: BotApiSandbox, bot: Bot, alice: SimulatedUser
) -> None:
    await bot.send_document(alice.id, InputFile(b"x", filename="a.txt"))
    [event] = sandbox.deliveries(alice.id)
    assert event.method == "sendDocument"
