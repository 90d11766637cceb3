"""Updates processed concurrently, but each person's (and each chat's) one at a time, in order.

PTB's default handles one update after another: a tap waits for everyone else's database work
and Bot API calls. `ChatOrderedUpdateProcessor` handles up to `max_running` updates at once,
but never two of the same chat or the same user at the same time, and starts a chat's updates
in the order they arrived: a person's second tap is applied after their first (the check-in
flow reads their answers, then writes one), and their replies go out in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Coroutine
from typing import Any, Final

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# How many updates may wait for their chat's earlier one, beyond those running. PTB's own
# bound (`max_concurrent_updates`) counts them all: only past it does arrival order depend
# on the fairness of asyncio's semaphore (FIFO in CPython) rather than on this class.
DEFAULT_MAX_WAITING: Final = 10_000


def ordering_keys(update: object) -> frozenset[int]:
    """The chat and the user an update belongs to; updates sharing one run in turn.

    Telegram gives users positive ids and groups and channels negative ones, and a private
    chat has its user's id, so plain ids never mix up a person with a group.
    """
    if not isinstance(update, Update):
        return frozenset()
    keys = set()
    if update.effective_chat is not None:
        keys.add(update.effective_chat.id)
    if update.effective_user is not None:
        keys.add(update.effective_user.id)
    return frozenset(keys)


class ChatOrderedUpdateProcessor(BaseUpdateProcessor):
    """Up to `max_running` updates at once; a chat's or user's updates one at a time, in order.

    An update waiting for its chat's earlier one does not take one of the `max_running`
    places, so one busy chat cannot hold up everyone else.
    """

    def __init__(self, max_running: int, *, max_waiting: int = DEFAULT_MAX_WAITING) -> None:
        if max_running < 1 or max_waiting < 0:
            raise ValueError("max_running must be positive and max_waiting not negative")
        super().__init__(max_running + max_waiting)
        self._max_running = max_running
        self._running = asyncio.Semaphore(max_running)
        # Per chat or user id: the future the latest update of theirs resolves when it ends.
        self._last: dict[int, asyncio.Future[None]] = {}
        self._now_running = 0
        self._peak_running = 0

    @property
    def max_running(self) -> int:
        """How many updates are handled at the same time, at most."""
        return self._max_running

    @property
    def running(self) -> int:
        """How many updates are being handled now."""
        return self._now_running

    @property
    def peak_running(self) -> int:
        """The most updates handled at the same time so far."""
        return self._peak_running

    @property
    def busy_keys(self) -> int:
        """How many chats and users have an update running or waiting."""
        return len(self._last)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the update's chat and user to be free, then for a place, then run it."""
        # Everything up to the first `await` runs in arrival order (PTB starts one task per
        # update, in queue order), so registering here fixes each chat's order.
        keys = ordering_keys(update)
        earlier = {self._last[key] for key in keys if key in self._last}
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._last[key] = finished
        started = False
        try:
            if earlier:
                # `wait`, not `await`: cancelling this update must not cancel the futures
                # that later updates of other chats may be waiting on too.
                await asyncio.wait(earlier)
            async with self._running:
                started = True
                self._now_running += 1
                self._peak_running = max(self._peak_running, self._now_running)
                try:
                    await coroutine
                finally:
                    self._now_running -= 1
        finally:
            if not started and isinstance(coroutine, Coroutine):
                coroutine.close()  # cancelled before it ran: no "never awaited" warning
            finished.set_result(None)
            for key in keys:
                if self._last.get(key) is finished:
                    del self._last[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: PTB waits for the updates in flight itself."""
