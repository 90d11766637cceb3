"""Flood limits on the fake clock: per private chat, per group, overall."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import RetryAfter

from core.clock import FakeClock
from sandbox import BotApiSandbox, SandboxClient, SandboxLimits
from sandbox.limits import RateLimiter

# PTB 22.2+ warns about RetryAfter.retry_after becoming a timedelta, even while building one.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def retry_seconds(exc: RetryAfter) -> float:
    """`retry_after` in seconds, whichever type this PTB version hands out."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@pytest.fixture
def limited(sandbox: BotApiSandbox) -> BotApiSandbox:
    """The sandbox with Telegram's default limits switched on."""
    sandbox.limits = SandboxLimits()
    return sandbox


async def test_second_message_to_a_chat_in_one_second_is_refused(
    limited: BotApiSandbox, clock: FakeClock, bot: Bot, client: SandboxClient
) -> None:
    alice = client.user(1001, "Alice")
    await alice.send_text("hi")
    first = await bot.send_message(alice.id, "first")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(alice.id, "second")
    assert retry_seconds(caught.value) == 1
    # Edits, callback answers and chat actions do not count.
    await bot.send_chat_action(alice.id, "typing")
    await bot.edit_message_text("first, edited", chat_id=alice.id, message_id=first.message_id)
    clock.advance(0.999)
    with pytest.raises(RetryAfter):
        await bot.send_message(alice.id, "still too soon")
    clock.advance(0.001)
    await bot.send_message(alice.id, "second, later")
    assert [m.text for m in await alice.messages()] == ["first, edited", "second, later"]
    assert [e.status for e in limited.events if e.method == "sendMessage"] == [
        200,
        429,
        429,
        200,
    ]


async def test_21st_group_message_in_a_minute_is_refused(
    limited: BotApiSandbox, clock: FakeClock, bot: Bot, client: SandboxClient
) -> None:
    group = client.group(-5001, "Pain clinic")
    await group.add_bot(client.user(1001, "Admin"))
    for number in range(20):
        await bot.send_message(group.chat_id, f"note {number}")
        clock.advance(1)  # stay under the overall per-second limit
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(group.chat_id, "one too many")
    assert retry_seconds(caught.value) == 40  # the first note leaves the window at t=60
    clock.advance(40)
    await bot.send_message(group.chat_id, "room again")
    assert len(await group.messages()) == 21


async def test_overall_limit_of_30_per_second(
    limited: BotApiSandbox, clock: FakeClock, bot: Bot, client: SandboxClient
) -> None:
    users = [client.user(2000 + n) for n in range(31)]
    await client.register_users(users)
    for user in users[:30]:
        await bot.send_message(user.id, "broadcast")
    with pytest.raises(RetryAfter):
        await bot.send_message(users[30].id, "broadcast")
    clock.advance(1)
    await bot.send_message(users[30].id, "broadcast")
    assert len(limited.deliveries()) == 31


async def test_limits_can_be_changed_over_the_control_api(
    limited: BotApiSandbox, bot: Bot, client: SandboxClient
) -> None:
    await client.set_limits(private_chat_per_second=3)
    alice = client.user(1001)
    await alice.send_text("hi")
    for _ in range(3):
        await bot.send_message(alice.id, "burst")
    with pytest.raises(RetryAfter):
        await bot.send_message(alice.id, "burst")
    assert limited.limits.private_chat_per_second == 3


def test_rate_limiter_windows() -> None:
    limiter = RateLimiter()
    limits = SandboxLimits(global_per_second=2, private_chat_per_second=None, group_per_minute=3)
    assert limiter.admit(limits, 1, False, 0.0) is None
    assert limiter.admit(limits, 2, False, 0.5) is None
    assert limiter.admit(limits, 3, False, 0.9) == 1  # refused, and not counted
    assert limiter.admit(limits, 3, False, 1.0) is None  # t=0 left the window
    for t in (10.0, 20.0, 30.0):
        assert limiter.admit(limits, -7, True, t) is None
    assert limiter.admit(limits, -7, True, 40.0) == 30
    assert limiter.admit(limits, -7, True, 70.0) is None


def test_limits_from_json_rejects_nonsense() -> None:
    assert SandboxLimits.from_json({"group_per_minute": None}).group_per_minute is None
    with pytest.raises(ValueError, match="unknown"):
        SandboxLimits.from_json({"per_hour": 5})
    with pytest.raises(ValueError, match="positive"):
        SandboxLimits.from_json({"global_per_second": 0})
