"""getMe, getUpdates (real long polling) and the webhook methods."""

from __future__ import annotations

import asyncio
import re
from itertools import islice
from typing import Any
from urllib.parse import urlsplit

from sandbox import errors
from sandbox.call import Call, conflict
from sandbox.errors import bad_request
from sandbox.objects import me_json
from sandbox.state import WebhookConfig

_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_MAX_POLL_SECONDS = 50.0


async def get_me(call: Call) -> Any:
    """The bot's own user."""
    return me_json(call.bot.bot_id)


def _allowed_updates(call: Call) -> list[str] | None:
    allowed = call.params.decoded(
        "allowed_updates", "Bad Request: can't parse allowed updates JSON array"
    )
    if allowed is not None and not (
        isinstance(allowed, list) and all(isinstance(kind, str) for kind in allowed)
    ):
        raise bad_request("Bad Request: can't parse allowed updates JSON array")
    return allowed


async def get_updates(call: Call) -> Any:
    """Confirm updates before `offset`, then wait up to `timeout` seconds for new ones.

    Waits on the bot's update signal (no polling loop). A newer getUpdates ends an older one
    with 409, and setting a webhook ends it too, as on Telegram.
    """
    bot = call.bot
    if bot.webhook is not None:
        raise conflict(errors.WEBHOOK_ACTIVE)
    offset = call.params.integer("offset")
    limit = min(100, max(1, call.params.integer("limit") or 100))
    timeout = min(_MAX_POLL_SECONDS, max(0.0, call.params.number("timeout") or 0.0))
    bot.set_allowed_updates(_allowed_updates(call))
    if offset is not None:
        bot.confirm(offset)
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.update_signal.fire()  # an older long poll wakes, sees it is superseded, and ends
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if generation != bot.poll_generation:
            raise conflict(errors.POLL_CONFLICT)
        if bot.webhook is not None:
            raise conflict(errors.WEBHOOK_ACTIVE)
        if bot.updates or call.state.closed:
            return list(islice(bot.updates, limit))
        remaining = deadline - loop.time()
        if remaining <= 0:
            return []
        await bot.update_signal.wait(remaining)


async def set_webhook(call: Call) -> Any:
    """Push updates to `url` from now on (an empty url removes the webhook)."""
    bot = call.bot
    url = call.params.string("url") or ""
    allowed = _allowed_updates(call)
    if call.params.flag("drop_pending_updates"):
        bot.updates.clear()
    if not url:
        bot.webhook = None
        call.webhooks.webhook_changed(bot)
        return True
    parts = urlsplit(url)
    # Telegram insists on HTTPS on ports 443/80/88/8443; the sandbox also takes local http.
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad_request(errors.BAD_WEBHOOK)
    secret = call.params.string("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("Bad Request: secret token contains unallowed characters")
    max_connections = call.params.integer("max_connections") or 40
    if not 1 <= max_connections <= 100:
        raise bad_request("Bad Request: invalid max_connections specified")
    bot.set_allowed_updates(allowed)
    bot.webhook = WebhookConfig(url=url, secret_token=secret, max_connections=max_connections)
    bot.update_signal.fire()  # a waiting getUpdates must now end with 409
    call.webhooks.webhook_changed(bot)
    return True


async def delete_webhook(call: Call) -> Any:
    """Stop pushing updates; optionally drop the ones not yet delivered."""
    bot = call.bot
    if call.params.flag("drop_pending_updates"):
        bot.updates.clear()
    bot.webhook = None
    call.webhooks.webhook_changed(bot)
    return True


async def get_webhook_info(call: Call) -> Any:
    """The webhook URL, pending updates and the last delivery error."""
    bot = call.bot
    hook = bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        info["allowed_updates"] = sorted(bot.allowed_updates)
        if hook.last_error_date is not None:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
    return info
