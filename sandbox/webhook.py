"""Pushes each bot's pending updates to its webhook, one at a time, in order.

An update leaves the queue only after the webhook answers 2xx. On failure the error is kept
for getWebhookInfo and delivery is retried after `retry_delay` real seconds (or sooner, when a
new update arrives), so a bot whose server is briefly down still gets everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiohttp

from sandbox.state import BotState, SandboxState

_LOGGER = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookPusher:
    """One delivery task per bot with a webhook set."""

    def __init__(self, state: SandboxState, retry_delay: float = 0.5, timeout: float = 10.0):
        self._state = state
        self._retry_delay = retry_delay
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        """Open the HTTP client used for deliveries."""
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def stop(self) -> None:
        """Cancel every delivery task and close the HTTP client."""
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    def webhook_changed(self, bot: BotState) -> None:
        """Restart delivery for `bot` with its new webhook, or stop it if none is set."""
        task = self._tasks.pop(bot.bot_id, None)
        if task is not None:
            task.cancel()
        if bot.webhook is not None and self._session is not None:
            self._tasks[bot.bot_id] = asyncio.create_task(
                self._deliver_forever(bot), name=f"sandbox-webhook-{bot.bot_id}"
            )

    async def _deliver_forever(self, bot: BotState) -> None:
        while True:
            hook = bot.webhook
            session = self._session
            if hook is None or session is None:
                return
            if not bot.updates:
                await bot.update_signal.wait(None)
                continue
            update = bot.updates[0]
            headers = {}
            if hook.secret_token:
                headers[SECRET_HEADER] = hook.secret_token
            error: str | None = None
            try:
                async with session.post(hook.url, json=update, headers=headers) as response:
                    await response.read()
                    if not 200 <= response.status < 300:
                        error = (
                            f"Wrong response from the webhook: {response.status} {response.reason}"
                        )
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            if error is None:
                # Drop it only if it is still first (a concurrent drop_pending_updates may not).
                if bot.updates and bot.updates[0] is update:
                    bot.updates.popleft()
                continue
            hook.last_error_date = self._state.unix_now()
            hook.last_error_message = error
            _LOGGER.info("webhook delivery for bot %s failed: %s", bot.bot_id, error)
            await bot.update_signal.wait(self._retry_delay)
