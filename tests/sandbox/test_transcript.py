"""What simulated users see: edits in place, deletions, buttons, groups, the event log."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)
from telegram.error import Forbidden, NetworkError

from core.clock import FakeClock
from sandbox import BotApiSandbox, SandboxClient, SandboxError, SimulatedUser
from tests.sandbox.conftest import START


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    """One row of buttons whose data is the lower-cased label."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]]
    )


@pytest.fixture
async def alice(client: SandboxClient, bot: Bot) -> SimulatedUser:
    """A user whose private chat with the bot is open."""
    user = client.user(1001, "Alice")
    await user.send_text("hi")
    return user


async def test_edits_are_applied_in_place(
    bot: Bot, alice: SimulatedUser, clock: FakeClock
) -> None:
    sent = await bot.send_message(alice.id, "Pain now?", reply_markup=keyboard("0", "5"))
    clock.advance(30)
    edited = await bot.edit_message_reply_markup(
        alice.id, sent.message_id, reply_markup=keyboard("5", "10")
    )
    assert not isinstance(edited, bool)
    assert edited.edit_date is not None
    [seen] = await alice.messages()
    assert seen.labels == ["5", "10"]
    assert seen.edited
    await bot.edit_message_text(
        "Pain now? <i>noted</i>", chat_id=alice.id, message_id=sent.message_id, parse_mode="HTML"
    )
    [seen] = await alice.messages()
    assert seen.text == "Pain now? noted"
    assert seen.buttons == ()
    assert seen.date == int(START.timestamp())  # the send time stays; edit_date moves


async def test_deleted_messages_disappear_from_view(bot: Bot, alice: SimulatedUser) -> None:
    first = await bot.send_message(alice.id, "one")
    await bot.send_message(alice.id, "two")
    await bot.delete_message(alice.id, first.message_id)
    assert [m.text for m in await alice.messages()] == ["two"]
    every = await alice.messages(include_deleted=True)
    assert [(m.text, m.deleted) for m in every] == [("one", True), ("two", False)]
    assert (await alice.last_message()).text == "two"


async def test_press_finds_the_newest_message_with_that_label(
    bot: Bot, alice: SimulatedUser
) -> None:
    await bot.send_message(alice.id, "old", reply_markup=keyboard("Yes", "No"))
    newer = await bot.send_message(alice.id, "new", reply_markup=keyboard("Yes"))
    await bot.send_message(alice.id, "no buttons")
    press = await alice.press("Yes")
    assert press.message_id == newer.message_id
    [update] = [u for u in await bot.get_updates(timeout=0) if u.callback_query]
    query = update.callback_query
    assert query is not None
    assert query.data == "yes"
    assert query.from_user.first_name == "Alice"
    assert query.message is not None
    assert query.message.chat.id == alice.id


async def test_pressing_a_missing_or_url_button_is_a_clear_error(
    bot: Bot, alice: SimulatedUser
) -> None:
    url_button = InlineKeyboardButton("Privacy", url="https://example.org/privacy")
    await bot.send_message(alice.id, "see", reply_markup=InlineKeyboardMarkup([[url_button]]))
    with pytest.raises(SandboxError, match=r"no bot message .* has a button 'Maybe'"):
        await alice.press("Maybe")
    with pytest.raises(SandboxError, match="no callback_data"):
        await alice.press("Privacy")


async def test_forged_callback_data_reaches_the_bot(bot: Bot, alice: SimulatedUser) -> None:
    sent = await bot.send_message(alice.id, "q", reply_markup=keyboard("A"))
    await alice.press_data(sent.message_id, "c:999:hacked")
    [update] = [u for u in await bot.get_updates(timeout=0) if u.callback_query]
    assert update.callback_query is not None
    assert update.callback_query.data == "c:999:hacked"


async def test_a_tap_carries_the_message_with_the_buttons_it_has_now(
    bot: Bot, alice: SimulatedUser
) -> None:
    # As Telegram does: N1 checks a choice against the tapped message's own buttons.
    sent = await bot.send_message(alice.id, "q", reply_markup=keyboard("A", "B"))
    await alice.press("A")
    await bot.edit_message_text("q, answered", chat_id=alice.id, message_id=sent.message_id)
    await alice.press_data(sent.message_id, "b")
    before, after = [
        u.callback_query.message
        for u in await bot.get_updates(timeout=0)
        if u.callback_query is not None
    ]
    assert isinstance(before, Message)
    assert before.reply_markup is not None
    data = [button.callback_data for row in before.reply_markup.inline_keyboard for button in row]
    assert data == ["a", "b"]
    assert isinstance(after, Message)
    assert after.text == "q, answered"
    assert after.reply_markup is None


async def test_wait_for_messages_long_polls(bot: Bot, alice: SimulatedUser) -> None:
    waiting = asyncio.create_task(alice.wait_for_messages(2, timeout=5))
    await bot.send_message(alice.id, "one")
    await bot.send_message(alice.id, "two")
    assert [m.text for m in await waiting] == ["one", "two"]
    texts = await alice.wait_for_messages(lambda ms: ms[-1].text == "two", timeout=1)
    assert len(texts) == 2


async def test_wait_for_messages_times_out_without_leaking_text(
    bot: Bot, alice: SimulatedUser
) -> None:
    await bot.send_message(alice.id, "private health detail")
    with pytest.raises(TimeoutError) as caught:
        await alice.wait_for_messages(5, timeout=0)
    assert "private health detail" not in str(caught.value)


async def test_reply_keyboards_and_html_entities(bot: Bot, alice: SimulatedUser) -> None:
    reply_keyboard = ReplyKeyboardMarkup([[KeyboardButton("Skip")]], one_time_keyboard=True)
    sent = await bot.send_message(
        alice.id, "<b>Bold</b> &amp; plain", parse_mode="HTML", reply_markup=reply_keyboard
    )
    assert sent.text == "Bold & plain"
    assert sent.entities[0].type == "bold"
    assert sent.reply_markup is None  # Telegram only echoes inline keyboards
    [seen] = await alice.messages()
    assert seen.keyboard is not None
    assert seen.keyboard["keyboard"] == [[{"text": "Skip"}]]


async def test_group_privacy_mode_and_membership(
    bot: Bot, client: SandboxClient, alice: SimulatedUser
) -> None:
    group = client.group(-4001, "Physio group")
    with pytest.raises(SandboxError, match="not a member"):
        await group.send_text(alice, "hello?")
    await group.add_bot(alice)
    await group.send_text(alice, "chit-chat the bot does not see")
    await group.send_command(alice, "/help")
    updates = await bot.get_updates(timeout=0)
    kinds = [
        "member" if u.my_chat_member else (u.message.text if u.message else "?") for u in updates
    ]
    assert kinds == ["hi", "member", "/help"]
    sent = await bot.send_message(group.chat_id, "Hello group")
    assert sent.chat.type == "group"
    assert sent.chat.title == "Physio group"
    await group.remove_bot(alice)
    with pytest.raises(Forbidden, match="not a member of the group chat"):
        await bot.send_message(group.chat_id, "still here?")


async def test_event_log_counts_deliveries_and_duplicates(
    sandbox: BotApiSandbox, bot: Bot, client: SandboxClient, alice: SimulatedUser
) -> None:
    for _ in range(2):
        await bot.send_message(alice.id, "same reminder")
    stats = await client.stats()
    assert stats["delivered"] == 2
    assert stats["calls"]["sendMessage"] == 2
    events = await client.events(method="sendMessage", chat_id=alice.id)
    assert [e["status"] for e in events] == [200, 200]
    texts = [m.text for m in await alice.messages()]
    assert texts.count("same reminder") == 2  # a duplicate a test can see
    assert sandbox.events[-1].at == START


async def test_blocked_user_writing_again_unblocks_first(bot: Bot, alice: SimulatedUser) -> None:
    await alice.block()
    await alice.send_command("/start")
    updates = await bot.get_updates(timeout=0)
    statuses = [u.my_chat_member.new_chat_member.status for u in updates if u.my_chat_member]
    assert statuses == ["kicked", "member"]
    assert updates[-1].message is not None
    assert updates[-1].message.text == "/start"
    entity = updates[-1].message.entities[0]
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 6)
    await bot.send_message(alice.id, "welcome back")


async def test_wait_after_index_over_raw_http(
    sandbox: BotApiSandbox, bot: Bot, alice: SimulatedUser
) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        waiting = asyncio.create_task(
            http.get(f"/_sandbox/chats/{alice.id}/wait", params={"after": "0", "timeout": "5"})
        )
        await bot.send_message(alice.id, "first")
        answer = (await asyncio.wait_for(waiting, 2)).json()
    assert answer["ok"] is True
    assert [m["text"] for m in answer["result"]["messages"]] == ["first"]


async def test_sandbox_logs_never_carry_message_text(
    sandbox: BotApiSandbox,
    bot: Bot,
    alice: SimulatedUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="sandbox")
    await alice.send_text("my knee hurts 7/10")
    await bot.send_message(alice.id, "sorry to hear: knee 7/10")
    sandbox.faults.add("5xx", method="sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "knee again")
    assert "sandbox" in {record.name.rsplit(".", 1)[0] for record in caplog.records}
    assert "knee" not in caplog.text
