"""PTB 22 against the sandbox over real HTTP: long polling, commands, buttons, blocks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from telegram import (
    ChatMemberBanned,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import Conflict, Forbidden
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
)

from sandbox import BotApiSandbox, SandboxClient
from tests.sandbox.conftest import BOT_ID, START, TOKEN, make_bot

KEYBOARD = InlineKeyboardMarkup(
    [
        [
            InlineKeyboardButton("Better", callback_data="c:1:better"),
            InlineKeyboardButton("Worse", callback_data="c:1:worse"),
        ]
    ]
)


def build_app(sandbox: BotApiSandbox) -> Application:  # type: ignore[type-arg]
    """The PTB application exactly as production builds it, pointed at the sandbox."""
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.file_url)
        .build()
    )


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[None]:  # type: ignore[type-arg]
    """Run `app` with real long polling for the duration of the block."""
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def start_and_tap_handlers(seen: list[Update]) -> tuple[Callable[..., object], ...]:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)
        assert update.effective_message is not None
        await update.effective_message.reply_text("How is your pain today?", reply_markup=KEYBOARD)

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update)
        query = update.callback_query
        assert query is not None
        assert isinstance(query.data, str)
        await query.answer("Noted")
        await query.edit_message_text(f"You said: {query.data.rsplit(':', 1)[-1]}")

    return start, tapped


async def test_start_then_button_press_over_real_polling(
    sandbox: BotApiSandbox, client: SandboxClient
) -> None:
    seen: list[Update] = []
    start, tapped = start_and_tap_handlers(seen)
    app = build_app(sandbox)
    app.add_handler(CommandHandler("start", start))  # type: ignore[arg-type]
    app.add_handler(CallbackQueryHandler(tapped))  # type: ignore[arg-type]
    alice = client.user(1001, "Alice")

    async with polling(app):
        await alice.send_command("/start", "ref42")
        [question] = await alice.wait_for_messages(1)
        assert question.text == "How is your pain today?"
        assert question.labels == ["Better", "Worse"]
        assert question.button("Worse").callback_data == "c:1:worse"

        press = await alice.press("Worse")
        assert press.message_id == question.message_id
        [answer] = await alice.wait_for_answers(1)
        [edited] = await alice.wait_for_messages(lambda ms: bool(ms) and ms[0].edited)

    assert answer.text == "Noted"
    assert answer.data == "c:1:worse"
    assert edited.message_id == question.message_id
    assert edited.text == "You said: worse"
    assert edited.buttons == ()  # editMessageText without reply_markup drops the keyboard

    command, tap = seen
    assert command.effective_message is not None
    assert command.effective_message.text == "/start ref42"
    assert command.effective_user is not None
    assert command.effective_user.first_name == "Alice"
    assert command.effective_message.date == START  # dates come from the sandbox clock
    assert tap.callback_query is not None
    assert tap.callback_query.from_user.id == 1001
    assert tap.callback_query.message is not None
    assert tap.callback_query.message.message_id == question.message_id
    assert tap.update_id > command.update_id

    # Every update was confirmed by PTB's final getUpdates call on shutdown.
    assert not sandbox.bot(BOT_ID).updates


async def test_blocking_sends_my_chat_member_and_then_403(
    sandbox: BotApiSandbox, client: SandboxClient
) -> None:
    statuses: list[tuple[str, str]] = []
    changed = [asyncio.Event(), asyncio.Event()]

    async def member_changed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        assert change is not None
        statuses.append((change.old_chat_member.status, change.new_chat_member.status))
        changed[len(statuses) - 1].set()

    app = build_app(sandbox)
    app.add_handler(ChatMemberHandler(member_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    bob = client.user(1002, "Bob")
    await bob.send_text("hello")  # opens the chat

    async with polling(app):
        await bob.block()
        await asyncio.wait_for(changed[0].wait(), 5)
        with pytest.raises(Forbidden, match="blocked by the user"):
            await app.bot.send_message(bob.id, "still there?")
        await bob.unblock()
        await asyncio.wait_for(changed[1].wait(), 5)
        sent = await app.bot.send_message(bob.id, "welcome back")

    assert sent.chat.id == bob.id
    assert statuses == [("member", "kicked"), ("kicked", "member")]
    assert [m.text for m in await bob.messages()] == ["welcome back"]


async def test_my_chat_member_objects_parse_as_ptb_types(
    sandbox: BotApiSandbox, client: SandboxClient
) -> None:
    async with build_app(sandbox).bot as ptb_bot:
        carol = client.user(1003, "Carol")
        await carol.send_text("hi")
        await carol.block()
        updates = await ptb_bot.get_updates(timeout=0)
    change = updates[-1].my_chat_member
    assert change is not None
    assert isinstance(change.old_chat_member, ChatMemberMember)
    assert isinstance(change.new_chat_member, ChatMemberBanned)
    assert change.new_chat_member.user.id == BOT_ID
    assert change.from_user.id == 1003


async def test_second_poller_ends_the_first_with_conflict(sandbox: BotApiSandbox) -> None:
    # Two processes polling with one token: the newer getUpdates wins, as on Telegram.
    async with make_bot(sandbox) as first_bot, make_bot(sandbox) as second_bot:
        reached = asyncio.create_task(sandbox.bot(BOT_ID).update_signal.wait(5))
        first = asyncio.create_task(first_bot.get_updates(timeout=5))
        await reached  # the first long poll is now waiting on the server
        assert await second_bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(first, 2)
