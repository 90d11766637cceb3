"""The update processor: concurrent across people, one at a time and in order for each.

Updates are plain PTB objects; each "handler" is a coroutine that waits on an event the test
sets, so nothing here sleeps for real time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import CoroutineType

import pytest
from telegram import Chat, Message, Update, User

from bot.update_order import ChatOrderedUpdateProcessor, ordering_keys

WHEN = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _update(update_id: int, user_id: int, chat_id: int | None = None) -> Update:
    """A message from `user_id` in `chat_id` (their private chat unless given)."""
    chat_id = user_id if chat_id is None else chat_id
    chat = Chat(chat_id, Chat.PRIVATE if chat_id == user_id else Chat.GROUP)
    user = User(user_id, "Pat", is_bot=False)
    return Update(update_id, message=Message(update_id, WHEN, chat, from_user=user, text="x"))


class Handlers:
    """Handler coroutines that record when they start and end, and finish when released."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.finished: list[int] = []
        self._release: dict[int, asyncio.Event] = {}

    def handler(self, update_id: int, *, fail: bool = False) -> Awaitable[None]:
        """The coroutine that "handles" update `update_id`."""
        release = self._release.setdefault(update_id, asyncio.Event())

        async def handle() -> None:
            self.started.append(update_id)
            await release.wait()
            self.finished.append(update_id)
            if fail:
                raise RuntimeError(f"handler for {update_id} failed")

        return handle()

    def release(self, update_id: int) -> None:
        """Let update `update_id` finish."""
        self._release.setdefault(update_id, asyncio.Event()).set()


async def _settle() -> None:
    """Let every task run until it waits on something the test controls."""
    for _ in range(20):
        await asyncio.sleep(0)


def _feed(
    processor: ChatOrderedUpdateProcessor,
    handlers: Handlers,
    updates: list[Update],
    fail: Callable[[int], bool] = lambda _: False,
) -> list[asyncio.Task[None]]:
    """Start processing `updates` in order, as PTB's update fetcher does (one task each)."""
    return [
        asyncio.create_task(
            processor.process_update(
                update, handlers.handler(update.update_id, fail=fail(update.update_id))
            )
        )
        for update in updates
    ]


async def test_one_persons_updates_run_one_at_a_time_in_arrival_order() -> None:
    processor, handlers = ChatOrderedUpdateProcessor(8), Handlers()
    tasks = _feed(processor, handlers, [_update(i, user_id=7) for i in (1, 2, 3)])
    await _settle()
    assert handlers.started == [1]
    handlers.release(3)  # the last one may not overtake the others
    handlers.release(2)
    await _settle()
    assert handlers.started == [1]
    handlers.release(1)
    await asyncio.gather(*tasks)
    assert handlers.started == handlers.finished == [1, 2, 3]
    assert processor.busy_keys == 0


async def test_different_people_run_at_the_same_time_up_to_the_limit() -> None:
    processor, handlers = ChatOrderedUpdateProcessor(2), Handlers()
    tasks = _feed(processor, handlers, [_update(i, user_id=100 + i) for i in (1, 2, 3)])
    await _settle()
    assert handlers.started == [1, 2]
    assert processor.running == 2
    handlers.release(2)
    await _settle()
    assert handlers.started == [1, 2, 3]
    handlers.release(1)
    handlers.release(3)
    await asyncio.gather(*tasks)
    assert processor.peak_running == 2
    assert processor.running == 0


async def test_waiting_for_ones_own_turn_leaves_room_for_others() -> None:
    processor, handlers = ChatOrderedUpdateProcessor(2), Handlers()
    # Three taps of one person, then someone else's.
    updates = [_update(1, 7), _update(2, 7), _update(3, 7), _update(4, 8)]
    tasks = _feed(processor, handlers, updates)
    await _settle()
    assert handlers.started == [1, 4]
    for update_id in (1, 2, 3, 4):
        handlers.release(update_id)
    await asyncio.gather(*tasks)
    assert [i for i in handlers.finished if i != 4] == [1, 2, 3]


async def test_a_failing_update_stalls_neither_its_chat_nor_anyone_else() -> None:
    processor, handlers = ChatOrderedUpdateProcessor(4), Handlers()
    updates = [_update(1, 7), _update(2, 7), _update(3, 8)]
    tasks = _feed(processor, handlers, updates, fail=lambda update_id: update_id == 1)
    await _settle()
    assert handlers.started == [1, 3]
    handlers.release(1)
    handlers.release(2)
    handlers.release(3)
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[0], RuntimeError)
    assert results[1:] == [None, None]
    assert sorted(handlers.finished) == [1, 2, 3]
    assert processor.busy_keys == 0


async def test_a_cancelled_update_lets_the_next_one_of_its_chat_run() -> None:
    processor, handlers = ChatOrderedUpdateProcessor(4), Handlers()
    first = _feed(processor, handlers, [_update(1, user_id=7)])[0]
    never_run = handlers.handler(2)
    assert isinstance(never_run, CoroutineType)
    second = asyncio.create_task(processor.process_update(_update(2, user_id=7), never_run))
    third = _feed(processor, handlers, [_update(3, user_id=7)])[0]
    await _settle()
    second.cancel()
    await _settle()
    # Closed rather than left to warn "never awaited" when it is collected.
    assert never_run.cr_frame is None
    handlers.release(1)
    handlers.release(3)
    await asyncio.gather(first, third)
    assert second.cancelled()
    assert handlers.started == [1, 3]
    assert processor.busy_keys == 0


async def test_a_persons_group_message_waits_for_their_private_one() -> None:
    processor, handlers = ChatOrderedUpdateProcessor(4), Handlers()
    private, in_group = _update(1, user_id=7), _update(2, user_id=7, chat_id=-500)
    assert ordering_keys(private) == {7}
    assert ordering_keys(in_group) == {7, -500}
    tasks = _feed(processor, handlers, [private, in_group, _update(3, 9, chat_id=-500)])
    await _settle()
    assert handlers.started == [1]  # the group's other member waits for the group too
    handlers.release(1)
    await _settle()
    assert handlers.started == [1, 2]
    handlers.release(2)
    handlers.release(3)
    await asyncio.gather(*tasks)
    assert handlers.finished == [1, 2, 3]


async def test_updates_that_are_not_from_telegram_are_not_ordered() -> None:
    processor, handlers = ChatOrderedUpdateProcessor(4), Handlers()
    assert ordering_keys("a job's custom update") == frozenset()
    first = asyncio.create_task(processor.process_update("one", handlers.handler(1)))
    second = asyncio.create_task(processor.process_update("two", handlers.handler(2)))
    await _settle()
    assert handlers.started == [1, 2]
    handlers.release(1)
    handlers.release(2)
    await asyncio.gather(first, second)


def test_limits_must_make_sense() -> None:
    with pytest.raises(ValueError, match="max_running"):
        ChatOrderedUpdateProcessor(0)
    with pytest.raises(ValueError, match="max_running"):
        ChatOrderedUpdateProcessor(2, max_waiting=-1)
    processor = ChatOrderedUpdateProcessor(3, max_waiting=10)
    assert processor.max_running == 3
    # PTB's own count includes the updates waiting for their chat.
    assert processor.max_concurrent_updates == 13
