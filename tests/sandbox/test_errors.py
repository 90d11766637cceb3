"""Errors shaped like Telegram's, as PTB sees them, and injected faults."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from sandbox import BotApiSandbox, SandboxClient, SandboxError, SimulatedUser
from tests.sandbox.conftest import BOT_ID, TOKEN, make_bot

# PTB 22.2+ warns that RetryAfter.retry_after will become a timedelta (even while building it).
ignore_retry_after_warning = pytest.mark.filterwarnings(
    "ignore::telegram.warnings.PTBDeprecationWarning"
)


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds, whichever type this PTB version hands out."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@pytest.fixture
async def alice(client: SandboxClient, bot: Bot) -> SimulatedUser:
    """A user whose private chat with the bot is open."""
    user = client.user(1001, "Alice")
    await user.send_text("hi")
    return user


async def test_raw_error_bodies_are_shaped_like_telegram(sandbox: BotApiSandbox) -> None:
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        unauthorized = await http.get("/botnot-a-token/getMe")
        unknown = await http.post(f"/bot{TOKEN}/sendTelepathy")
        no_chat = await http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 5, "text": "x"})
        me = await http.get(f"/bot{TOKEN}/GETME")  # method names ignore case
    assert unauthorized.status_code == 401
    assert unauthorized.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert no_chat.status_code == 400
    assert no_chat.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: chat not found",
    }
    assert me.json()["result"]["id"] == BOT_ID
    assert me.json()["result"]["is_bot"] is True


async def test_raw_429_carries_retry_after(sandbox: BotApiSandbox, alice: SimulatedUser) -> None:
    sandbox.faults.add("429", method="sendMessage", retry_after=7)
    async with httpx.AsyncClient(base_url=sandbox.url) as http:
        answer = await http.post(
            f"/bot{TOKEN}/sendMessage", data={"chat_id": str(alice.id), "text": "hello"}
        )
    assert answer.status_code == 429
    assert answer.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


@pytest.mark.parametrize(
    ("text", "description"),
    [("", "message text is empty"), ("   ", "message text is empty"), ("x" * 4097, "too long")],
)
async def test_bad_texts(bot: Bot, alice: SimulatedUser, text: str, description: str) -> None:
    with pytest.raises(BadRequest, match=f"(?i){description}"):
        await bot.send_message(alice.id, text)


async def test_longest_text_is_accepted(bot: Bot, alice: SimulatedUser) -> None:
    sent = await bot.send_message(alice.id, "é" * 4096)
    assert sent.text == "é" * 4096


async def test_unknown_chat(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(424242, "hello")


@pytest.mark.parametrize("data", ["x" * 65, "🙂" * 17, ""])
async def test_callback_data_must_be_1_to_64_bytes(
    bot: Bot, alice: SimulatedUser, data: str
) -> None:
    button = InlineKeyboardButton("Tap", callback_data=data)
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(alice.id, "q?", reply_markup=InlineKeyboardMarkup([[button]]))
    assert await alice.messages() == []


async def test_64_byte_callback_data_is_fine(bot: Bot, alice: SimulatedUser) -> None:
    button = InlineKeyboardButton("Tap", callback_data="🙂" * 16)  # 64 bytes in UTF-8
    await bot.send_message(alice.id, "q?", reply_markup=InlineKeyboardMarkup([[button]]))
    press = await alice.press("Tap")
    assert press.data == "🙂" * 16


async def test_edit_and_delete_errors(bot: Bot, alice: SimulatedUser) -> None:
    sent = await bot.send_message(alice.id, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", chat_id=alice.id, message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("new", chat_id=alice.id, message_id=999)
    assert await bot.delete_message(alice.id, sent.message_id) is True
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("gone", chat_id=alice.id, message_id=sent.message_id)


async def test_callback_query_can_be_answered_once(bot: Bot, alice: SimulatedUser) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ok", callback_data="ok")]])
    await bot.send_message(alice.id, "q?", reply_markup=markup)
    press = await alice.press("Ok")
    with pytest.raises(BadRequest, match=r"(?i)answer text|message_too_long"):
        await bot.answer_callback_query(press.callback_query_id, text="x" * 201)
    assert await bot.answer_callback_query(press.callback_query_id, text="Thanks") is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(press.callback_query_id)
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query("no-such-query")
    [answer] = await alice.callback_answers()
    assert answer.text == "Thanks"


async def test_forbidden_when_blocked(
    sandbox: BotApiSandbox, bot: Bot, alice: SimulatedUser
) -> None:
    await alice.block()
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(alice.id, "hello?")
    sandbox.faults.blocked_user_ids.add(2002)
    other = SandboxClient(sandbox.url, bot_id=BOT_ID).user(2002)
    await other.send_text("hi")
    with pytest.raises(Forbidden):
        await bot.send_message(2002, "silently blocked")
    await other.client.aclose()


@ignore_retry_after_warning
async def test_injected_429_is_retry_after_and_not_delivered(
    sandbox: BotApiSandbox, bot: Bot, alice: SimulatedUser
) -> None:
    sandbox.faults.add("429", chat_id=alice.id, retry_after=3, times=2)
    for _ in range(2):
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(alice.id, "later")
        assert retry_seconds(caught.value) == 3
    await bot.send_message(alice.id, "now")
    assert [m.text for m in await alice.messages()] == ["now"]
    assert [e.status for e in sandbox.events if e.method == "sendMessage"] == [429, 429, 200]


@pytest.mark.parametrize("status", [500, 502])
async def test_injected_5xx_is_network_error_and_not_delivered(
    sandbox: BotApiSandbox, bot: Bot, alice: SimulatedUser, status: int
) -> None:
    sandbox.faults.add("5xx", method="sendMessage", status=status)
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(alice.id, "lost")
    assert not isinstance(caught.value, (BadRequest, TimedOut))
    assert await alice.messages() == []
    assert sandbox.events[-1].status == status


async def test_injected_403(sandbox: BotApiSandbox, bot: Bot, alice: SimulatedUser) -> None:
    sandbox.faults.add("403", method="sendMessage")
    with pytest.raises(Forbidden):
        await bot.send_message(alice.id, "blocked once")
    await bot.send_message(alice.id, "fine again")


async def test_timeout_fault_delivers_then_times_out(
    sandbox: BotApiSandbox, alice: SimulatedUser
) -> None:
    # The only real wait in the sandbox tests: a 0.3 s read timeout.
    sandbox.faults.add("timeout", method="sendMessage", delay=2.0)
    async with make_bot(sandbox, read_timeout=0.3) as impatient:
        with pytest.raises(TimedOut):
            await impatient.send_message(alice.id, "did it arrive?")
    [delivered] = await alice.messages()
    assert delivered.text == "did it arrive?"
    [event] = sandbox.deliveries(alice.id)
    assert event.fault == "timeout"
    assert event.message_id == delivered.message_id


async def test_faults_for_one_chat_leave_others_alone(
    sandbox: BotApiSandbox, bot: Bot, client: SandboxClient, alice: SimulatedUser
) -> None:
    bob = client.user(1002, "Bob")
    await bob.send_text("hi")
    await client.add_fault("403", chat_id=bob.id)
    await bot.send_message(alice.id, "for alice")
    with pytest.raises(Forbidden):
        await bot.send_message(bob.id, "for bob")
    # getMe and getUpdates are never hit by a fault without a method.
    await client.add_fault("5xx")
    await bot.get_me()
    await bot.get_updates(timeout=0)
    assert len(sandbox.faults.queued) == 1


async def test_faults_configured_over_the_control_api(
    sandbox: BotApiSandbox, bot: Bot, client: SandboxClient, alice: SimulatedUser
) -> None:
    rates = await client.set_fault_rates(server_error=1.0, methods=["sendMessage"])
    assert rates["methods"] == ["sendmessage"]
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "always fails")
    await client.clear_faults()
    await client.set_blocked([alice.id])
    with pytest.raises(Forbidden):
        await bot.send_message(alice.id, "silently blocked")
    assert sandbox.bot(BOT_ID).updates[-1]["message"]["text"] == "hi"  # no my_chat_member
    await client.clear_faults()
    await bot.send_message(alice.id, "back to normal")
    with pytest.raises(SandboxError, match="kind"):
        await client.add_fault("teapot")
    stats = await client.stats()
    assert stats["statuses"]["403"] == 1
    assert stats["faults"] == {"5xx": 1}
    assert stats["delivered"] == 1
