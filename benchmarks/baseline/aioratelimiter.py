"""The broadcast baseline: PTB's AIORateLimiter and a plain send loop, as most bots do it.

Its overall rate is scaled up 10 times like the sandbox's limits; everything else is left at
PTB's defaults (`max_retries=0`), sending straight from a loop with no outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from telegram.error import Forbidden, RetryAfter
from telegram.ext import AIORateLimiter, ApplicationBuilder

from benchmarks.broadcast import (
    BROADCAST_TEXT,
    FIRST_USER,
    RATE,
    REPLY_TEXT,
    TOKEN,
    BroadcastFigures,
    Replies,
    sandbox_process,
    sandbox_setup,
    tally,
)


async def baseline_broadcast(messages: int) -> BroadcastFigures:
    """PTB's AIORateLimiter (overall rate scaled 10x, defaults otherwise) and a send loop."""
    users = [FIRST_USER + n for n in range(messages)]
    # AIORateLimiter logs every 429 it passes on with a traceback; the count is what matters.
    logging.getLogger("telegram").setLevel(logging.CRITICAL)
    # The sandbox runs in a process of its own, as for N1.
    async with sandbox_process() as sandbox:
        blocked, reply_chats = await sandbox_setup(sandbox.client, users)
        application = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(sandbox.base_url)
            .base_file_url(sandbox.file_url)
            .rate_limiter(AIORateLimiter(overall_max_rate=RATE))
            .build()
        )
        async with application:
            bot = application.bot
            gate = asyncio.Semaphore(16)

            async def send(chat_id: int) -> None:
                async with gate:
                    # Blocked: skipped; a 429 (max_retries=0): the loop logs it and moves on.
                    with contextlib.suppress(Forbidden, RetryAfter):
                        await bot.send_message(chat_id, BROADCAST_TEXT)

            replies = Replies(lambda chat: bot.send_message(chat, REPLY_TEXT), reply_chats)
            started = time.perf_counter()
            replies.start()
            await asyncio.gather(*(send(user) for user in users))
            seconds = time.perf_counter() - started
            await replies.stop()
        return await tally(sandbox.client, users, blocked, seconds, replies)
