"""`BotApiSandbox`: a local Telegram Bot API over HTTP that PTB talks to through `base_url`.

    async with BotApiSandbox(clock=FakeClock(...)) as sandbox:
        app = (
            ApplicationBuilder().token("123456:TEST")
            .base_url(sandbox.base_url).base_file_url(sandbox.file_url).build()
        )

Routes: `/bot<token>/<method>` (the Bot API), `/file/bot<token>/<path>` (downloads) and
`/_sandbox/...` (the control API, see `sandbox.control`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from types import TracebackType
from typing import Any

from aiohttp import web

from core.clock import Clock, SystemClock
from sandbox import errors
from sandbox.call import Call
from sandbox.control import ControlApi
from sandbox.errors import ApiError
from sandbox.faults import SENDING_METHODS, FaultInjector
from sandbox.limits import SandboxLimits
from sandbox.methods import METHODS
from sandbox.params import Params
from sandbox.state import BotState, Event, SandboxState
from sandbox.views import chat_view
from sandbox.webhook import WebhookPusher

_LOGGER = logging.getLogger(__name__)
_TOKEN = re.compile(r"^(\d+):([A-Za-z0-9_-]+)$")
_MAX_BODY = 60 * 1024 * 1024  # above Telegram's 50 MB document limit, so we can answer 413


class BotApiSandbox:
    """A stand-in for api.telegram.org on 127.0.0.1, with simulated users, limits and faults."""

    def __init__(
        self,
        clock: Clock | None = None,
        limits: SandboxLimits | None = None,
        seed: int = 0,
        *,
        webhook_retry_delay: float = 0.5,
    ) -> None:
        self.state = SandboxState(clock or SystemClock(), limits or SandboxLimits(), seed)
        self._webhooks = WebhookPusher(self.state, retry_delay=webhook_retry_delay)
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port: int | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on `host:port` (port 0 picks a free one)."""
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        app.router.add_routes(ControlApi(self.state).routes())
        # Cancel handlers whose client went away (an abandoned long poll or delayed answer),
        # and do not wait long for in-flight requests on shutdown.
        runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._host = host
        self._port = int(runner.addresses[0][1])
        self.state.closed = False
        await self._webhooks.start()
        _LOGGER.info("Bot API sandbox listening on %s", self.url)

    async def stop(self) -> None:
        """End long polls, stop webhook delivery and close the server."""
        self.state.closed = True
        self.state.wake_all()
        await self._webhooks.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiSandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The root URL, e.g. "http://127.0.0.1:PORT" (the control API lives under it)."""
        if self._port is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self._host}:{self._port}"

    @property
    def base_url(self) -> str:
        """What PTB's `base_url` wants: PTB appends the token, then "/<method>"."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """What PTB's `base_file_url` wants."""
        return f"{self.url}/file/bot"

    # --- direct access for in-process tests and benchmarks ---------------------------------

    @property
    def clock(self) -> Clock:
        """The clock message dates and rate limits use."""
        return self.state.clock

    @property
    def limits(self) -> SandboxLimits:
        """The flood limits in force."""
        return self.state.limits

    @limits.setter
    def limits(self, limits: SandboxLimits) -> None:
        self.state.limits = limits

    @property
    def faults(self) -> FaultInjector:
        """Queue faults, set random fault rates, or block users silently."""
        return self.state.faults

    @property
    def events(self) -> list[Event]:
        """Every Bot API call so far, in order."""
        return self.state.events

    def bot(self, bot_id: int | None = None) -> BotState:
        """A bot's state; without an id, the only bot known."""
        if bot_id is not None:
            return self.state.bot(bot_id)
        if len(self.state.bots) != 1:
            raise LookupError(f"{len(self.state.bots)} bots known; pass bot_id")
        return next(iter(self.state.bots.values()))

    def transcript(self, chat_id: int, bot_id: int | None = None) -> list[dict[str, Any]]:
        """What the bot sent to `chat_id`, edits applied (deleted ones flagged)."""
        bot = self.bot(bot_id)
        messages: list[dict[str, Any]] = chat_view(chat_id, bot.chats.get(chat_id))["messages"]
        return messages

    def deliveries(self, chat_id: int | None = None) -> list[Event]:
        """Successful sends (sendMessage/sendPhoto/sendDocument), optionally to one chat."""
        return [
            event
            for event in self.state.events
            if event.ok
            and event.method.lower() in SENDING_METHODS
            and (chat_id is None or event.chat_id == chat_id)
        ]

    # --- HTTP handlers ---------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        match = _TOKEN.match(request.match_info["token"])
        if match is None:
            return web.json_response(ApiError(401, errors.UNAUTHORIZED).body(), status=401)
        bot = self.state.bot(int(match.group(1)))
        name = request.match_info["method"]
        entry = METHODS.get(name.lower())
        if entry is None:
            self.state.record(bot.bot_id, name, None, 404, errors.NOT_FOUND, None, None)
            return web.json_response(ApiError(404, errors.NOT_FOUND).body(), status=404)
        canonical, method = entry
        call: Call | None = None
        try:
            params = await Params.read(request)
            call = Call(self.state, bot, name.lower(), params, self._webhooks)
            body = errors.ok(await method(call))
            status = 200
        except web.HTTPRequestEntityTooLarge:
            status, body = 413, ApiError(413, errors.TOO_LARGE).body()
        except ApiError as exc:
            status, body = exc.code, exc.body()
        except Exception:
            # A sandbox bug: answer like Telegram's own 500 so PTB's error path runs, and log
            # the traceback (which carries no parameters) so the bug is not hidden.
            _LOGGER.exception("sandbox failed on %s", canonical)
            status, body = 500, errors.server_error().body()
        self.state.record(
            bot.bot_id,
            canonical,
            call.chat_id if call else None,
            status,
            None if status == 200 else body["description"],
            call.message_id if call else None,
            call.fault if call else None,
        )
        _LOGGER.debug("bot %s %s -> %s", bot.bot_id, canonical, status)
        if call is not None and call.delay and status == 200:
            # The "timeout" fault: the work is done; the answer comes too late for the client.
            await asyncio.sleep(call.delay)
        return web.json_response(body, status=status)

    async def _file(self, request: web.Request) -> web.Response:
        match = _TOKEN.match(request.match_info["token"])
        if match is None:
            return web.json_response(ApiError(401, errors.UNAUTHORIZED).body(), status=401)
        bot = self.state.bot(int(match.group(1)))
        path = request.match_info["path"]
        for stored in bot.files.values():
            if stored.path == path:
                return web.Response(
                    body=stored.content,
                    content_type=stored.mime_type or "application/octet-stream",
                )
        return web.json_response(ApiError(404, errors.NOT_FOUND).body(), status=404)
