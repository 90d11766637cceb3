"""The control API under /_sandbox: simulated users act, tests look and configure.

All bodies are JSON. Errors use the Bot API shape: {"ok": false, "error_code", "description"}.
Routes that act on a bot take `?bot=<id>`; without it the only bot known is used.

    GET    /_sandbox/bots                          bot ids seen so far
    POST   /_sandbox/users                         {"users": [User...]}: open chats silently
    POST   /_sandbox/chats/{chat_id}/messages    {"user", "text", "entities"?,
                                                  "reply_to_message_id"?}
    POST   /_sandbox/chats/{chat_id}/press       {"user", "label"} or
                                                 {"user", "message_id", "data"}
    POST   /_sandbox/chats/{chat_id}/membership  {"user", "status": member|left|kicked, "title"?}
    GET    /_sandbox/chats/{chat_id}               transcript, callback answers, bot status
    GET    /_sandbox/chats/{chat_id}/wait?since=V&timeout=T   same, once version > V
    GET    /_sandbox/chats/{chat_id}/wait?after=N&timeout=T   same, once N+1 bot messages exist
    GET    /_sandbox/limits  PUT /_sandbox/limits  {"global_per_second", ...}
    GET    /_sandbox/faults  POST /_sandbox/faults {"kind", "method"?, "chat_id"?, "times"?, ...}
    DELETE /_sandbox/faults                        clear queued faults, rates and silent blocks
    PUT    /_sandbox/faults/rates                  {"too_many_requests": 0.01, ...}
    PUT    /_sandbox/faults/blocked                {"user_ids": [...]}
    GET    /_sandbox/stats
    GET    /_sandbox/events?method=&chat_id=&since=
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox import actions
from sandbox.actions import ActionError
from sandbox.faults import Fault, FaultRates
from sandbox.limits import SandboxLimits
from sandbox.objects import UserProfile
from sandbox.state import BotState, SandboxState
from sandbox.views import chat_view, stats_view

JSONDict = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_MAX_WAIT = 60.0


def _error(status: int, description: str) -> web.Response:
    body = {"ok": False, "error_code": status, "description": description}
    return web.json_response(body, status=status)


def _guarded(handler: Handler) -> Handler:
    """Turn bad input and impossible actions into JSON errors instead of 500s."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ActionError as exc:
            return _error(exc.status, str(exc))
        except (KeyError, TypeError, ValueError) as exc:
            return _error(400, f"bad control request: {exc!r}")

    return wrapped


def _reply(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


async def _body(request: web.Request) -> JSONDict:
    data = await request.json() if request.can_read_body else {}
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


class ControlApi:
    """Routes for simulated users and tests, over one `SandboxState`."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state

    def routes(self) -> list[web.RouteDef]:
        """The aiohttp route table."""
        g = _guarded
        return [
            web.get("/_sandbox/bots", g(self._bots)),
            web.post("/_sandbox/users", g(self._users)),
            web.post("/_sandbox/chats/{chat_id}/messages", g(self._message)),
            web.post("/_sandbox/chats/{chat_id}/press", g(self._press)),
            web.post("/_sandbox/chats/{chat_id}/membership", g(self._membership)),
            web.get("/_sandbox/chats/{chat_id}", g(self._chat)),
            web.get("/_sandbox/chats/{chat_id}/wait", g(self._wait)),
            web.get("/_sandbox/limits", g(self._get_limits)),
            web.put("/_sandbox/limits", g(self._put_limits)),
            web.get("/_sandbox/faults", g(self._get_faults)),
            web.post("/_sandbox/faults", g(self._add_fault)),
            web.delete("/_sandbox/faults", g(self._clear_faults)),
            web.put("/_sandbox/faults/rates", g(self._put_rates)),
            web.put("/_sandbox/faults/blocked", g(self._put_blocked)),
            web.get("/_sandbox/stats", g(self._stats)),
            web.get("/_sandbox/events", g(self._events)),
        ]

    def _bot(self, request: web.Request) -> BotState:
        raw = request.query.get("bot")
        if raw:
            return self._state.bot(int(raw))
        bots = list(self._state.bots.values())
        if len(bots) == 1:
            return bots[0]
        if not bots:
            raise ActionError(409, "no bot has called the Bot API yet; pass ?bot=<id>")
        raise ActionError(400, "several bots are known; pass ?bot=<id>")

    async def _bots(self, request: web.Request) -> web.Response:
        return _reply(sorted(self._state.bots))

    async def _users(self, request: web.Request) -> web.Response:
        bot = self._bot(request)
        body = await _body(request)
        users = [UserProfile.from_json(item) for item in body["users"]]
        for user in users:
            actions.private_chat(bot, user)
        return _reply(len(users))

    async def _message(self, request: web.Request) -> web.Response:
        bot = self._bot(request)
        body = await _body(request)
        result = actions.send_text(
            self._state,
            bot,
            int(request.match_info["chat_id"]),
            UserProfile.from_json(body["user"]),
            str(body["text"]),
            body.get("entities"),
            body.get("reply_to_message_id"),
        )
        return _reply(result)

    async def _press(self, request: web.Request) -> web.Response:
        bot = self._bot(request)
        body = await _body(request)
        message_id = body.get("message_id")
        result = actions.press(
            self._state,
            bot,
            int(request.match_info["chat_id"]),
            UserProfile.from_json(body["user"]),
            label=body.get("label"),
            message_id=None if message_id is None else int(message_id),
            data=body.get("data"),
        )
        return _reply(result)

    async def _membership(self, request: web.Request) -> web.Response:
        bot = self._bot(request)
        body = await _body(request)
        result = actions.set_membership(
            self._state,
            bot,
            int(request.match_info["chat_id"]),
            UserProfile.from_json(body["user"]),
            str(body["status"]),
            body.get("title"),
        )
        return _reply(result)

    async def _chat(self, request: web.Request) -> web.Response:
        bot = self._bot(request)
        chat_id = int(request.match_info["chat_id"])
        return _reply(chat_view(chat_id, bot.chats.get(chat_id)))

    async def _wait(self, request: web.Request) -> web.Response:
        """Answer once the chat changes past version `since` (any edit, send, delete or
        answer) or holds more than `after` bot messages; at the latest after `timeout` s."""
        bot = self._bot(request)
        chat_id = int(request.match_info["chat_id"])
        since = int(request.query.get("since", "-1"))
        after = request.query.get("after")
        timeout = min(_MAX_WAIT, max(0.0, float(request.query.get("timeout", "5"))))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        signal = bot.chat_signal(chat_id)
        while True:
            chat = bot.chats.get(chat_id)
            if after is not None:
                # `after=N`: wait for the bot's message number N+1 (0-based index N).
                done = chat is not None and len(chat.transcript) > int(after)
            else:
                done = (chat.version if chat else 0) > since
            remaining = deadline - loop.time()
            if done or remaining <= 0 or self._state.closed:
                return _reply(chat_view(chat_id, chat))
            await signal.wait(remaining)

    async def _get_limits(self, request: web.Request) -> web.Response:
        return _reply(self._state.limits.to_json())

    async def _put_limits(self, request: web.Request) -> web.Response:
        self._state.limits = SandboxLimits.from_json(await _body(request))
        return _reply(self._state.limits.to_json())

    async def _get_faults(self, request: web.Request) -> web.Response:
        faults = self._state.faults
        return _reply(
            {
                "queued": [vars(fault) for fault in faults.queued],
                "rates": faults.rates.to_json(),
                "blocked_user_ids": sorted(faults.blocked_user_ids),
            }
        )

    async def _add_fault(self, request: web.Request) -> web.Response:
        fault = Fault.from_json(await _body(request))
        self._state.faults.queued.append(fault)
        return _reply(vars(fault))

    async def _clear_faults(self, request: web.Request) -> web.Response:
        self._state.faults.clear()
        return _reply(True)

    async def _put_rates(self, request: web.Request) -> web.Response:
        self._state.faults.rates = FaultRates.from_json(await _body(request))
        return _reply(self._state.faults.rates.to_json())

    async def _put_blocked(self, request: web.Request) -> web.Response:
        body = await _body(request)
        self._state.faults.blocked_user_ids = {int(uid) for uid in body["user_ids"]}
        return _reply(sorted(self._state.faults.blocked_user_ids))

    async def _stats(self, request: web.Request) -> web.Response:
        return _reply(stats_view(self._state))

    async def _events(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        chat_id = request.query.get("chat_id")
        since = int(request.query.get("since", "0"))
        events = [
            event.to_json()
            for event in self._state.events[since:]
            if (method is None or event.method.lower() == method.lower())
            and (chat_id is None or event.chat_id == int(chat_id))
        ]
        return _reply(events)
