"""Simulated Telegram users, driving a running `BotApiSandbox` over its control API.

async with SandboxClient(sandbox.url) as client:
    alice = client.user(1001, "Alice")
    await alice.send_command("/start")
    [welcome] = await alice.wait_for_messages(1)
    await alice.press("Yes")
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

JSONDict = dict[str, Any]
Predicate = Callable[[list["SeenMessage"]], bool]


class SandboxError(Exception):
    """The control API refused a request (no such button, bot not in group, bad input...)."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(f"{status}: {description}")
        self.status = status
        self.description = description


@dataclass(frozen=True)
class Button:
    """An inline button as the user sees it."""

    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class SeenMessage:
    """A bot message as the user sees it now (edits applied)."""

    index: int
    message_id: int
    kind: str  # "text", "photo" or "document"
    text: str | None  # the text, or the caption of a photo or document
    buttons: tuple[tuple[Button, ...], ...]
    date: int
    edited: bool
    deleted: bool
    file_id: str | None
    file_name: str | None
    keyboard: JSONDict | None  # a reply keyboard, if one came with the message

    @property
    def labels(self) -> list[str]:
        """Every inline button label, row by row."""
        return [button.text for row in self.buttons for button in row]

    @property
    def has_photo(self) -> bool:
        """Whether this is a photo."""
        return self.kind == "photo"

    @property
    def has_document(self) -> bool:
        """Whether this is a document."""
        return self.kind == "document"

    def button(self, label: str) -> Button:
        """The inline button labelled `label`."""
        for row in self.buttons:
            for button in row:
                if button.text == label:
                    return button
        raise LookupError(f"message {self.message_id} has no button {label!r}")

    @classmethod
    def from_json(cls, data: JSONDict) -> SeenMessage:
        """From the control API's message view."""
        return cls(
            index=int(data["index"]),
            message_id=int(data["message_id"]),
            kind=str(data["kind"]),
            text=data.get("text"),
            buttons=tuple(
                tuple(Button(b["text"], b.get("callback_data"), b.get("url")) for b in row)
                for row in data.get("buttons", [])
            ),
            date=int(data["date"]),
            edited=bool(data.get("edited")),
            deleted=bool(data.get("deleted")),
            file_id=data.get("file_id"),
            file_name=data.get("file_name"),
            keyboard=data.get("keyboard"),
        )


@dataclass(frozen=True)
class CallbackAnswer:
    """What the bot answered to one button press."""

    callback_query_id: str
    message_id: int
    data: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True)
class Press:
    """A button press the sandbox turned into a callback_query update."""

    update_id: int | None
    callback_query_id: str
    message_id: int
    data: str


@dataclass(frozen=True)
class ChatSnapshot:
    """A chat at one moment: every bot message (deleted ones too) and callback answers."""

    version: int
    bot_status: str | None
    all_messages: list[SeenMessage]
    callback_answers: list[CallbackAnswer]

    @property
    def messages(self) -> list[SeenMessage]:
        """The bot messages still visible."""
        return [message for message in self.all_messages if not message.deleted]

    @classmethod
    def from_json(cls, data: JSONDict) -> ChatSnapshot:
        """From the control API's chat view."""
        return cls(
            version=int(data["version"]),
            bot_status=data.get("bot_status"),
            all_messages=[SeenMessage.from_json(m) for m in data["messages"]],
            callback_answers=[CallbackAnswer(**a) for a in data["callback_answers"]],
        )


class SandboxClient:
    """HTTP client for the sandbox control API; hands out simulated users and groups."""

    def __init__(
        self,
        url: str,
        *,
        bot_id: int | None = None,
        http: httpx.AsyncClient | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._url = url.rstrip("/")
        self._bot_id = bot_id
        self._own_http = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._timeout = timeout

    async def aclose(self) -> None:
        """Close the HTTP client (if this client made it)."""
        if self._own_http:
            await self._http.aclose()

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def request(
        self,
        method: str,
        path: str,
        body: JSONDict | None = None,
        query: dict[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> Any:
        """Call `/_sandbox/<path>` and return its `result`; raise SandboxError on failure."""
        params = dict(query or {})
        if self._bot_id is not None:
            params["bot"] = str(self._bot_id)
        response = await self._http.request(
            method,
            f"{self._url}/_sandbox/{path}",
            json=body,
            params=params,
            timeout=read_timeout if read_timeout is not None else self._timeout,
        )
        if not response.headers.get("content-type", "").startswith("application/json"):
            raise SandboxError(response.status_code, response.text[:200])
        data = response.json()
        if not data.get("ok"):
            raise SandboxError(
                int(data.get("error_code", response.status_code)), data["description"]
            )
        return data["result"]

    # --- people and chats --------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
    ) -> SimulatedUser:
        """A simulated user (their private chat opens when they first write)."""
        profile: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            profile["last_name"] = last_name
        if username:
            profile["username"] = username
        if language_code:
            profile["language_code"] = language_code
        return SimulatedUser(self, profile)

    def group(self, chat_id: int, title: str = "Test group") -> SimulatedGroup:
        """A simulated group chat (negative id); add the bot with `add_bot`."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        return SimulatedGroup(self, chat_id, title)

    async def register_users(self, users: Iterable[SimulatedUser]) -> None:
        """Open private chats for many users at once, without sending the bot any update."""
        await self.request("POST", "users", {"users": [user.profile for user in users]})

    async def chat(self, chat_id: int) -> ChatSnapshot:
        """A chat's current transcript and callback answers."""
        return ChatSnapshot.from_json(await self.request("GET", f"chats/{chat_id}"))

    # The timeouts below are handed to the server's long poll (it answers when time is up),
    # so an asyncio cancel scope would be the wrong tool: hence the ASYNC109 exemptions.
    async def wait_chat(
        self,
        chat_id: int,
        done: Callable[[ChatSnapshot], bool],
        timeout: float,  # noqa: ASYNC109
    ) -> ChatSnapshot:
        """Long-poll the chat until `done(snapshot)` holds; TimeoutError after `timeout` s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        since = -1  # version -1 answers at once with the current state
        while True:
            remaining = max(0.0, deadline - loop.time())
            data = await self.request(
                "GET",
                f"chats/{chat_id}/wait",
                query={"since": str(since), "timeout": f"{remaining:.3f}"},
                read_timeout=remaining + self._timeout,
            )
            snapshot = ChatSnapshot.from_json(data)
            if done(snapshot):
                return snapshot
            if loop.time() >= deadline:
                ids = [m.message_id for m in snapshot.messages]
                # Message ids only: texts may be health data and exceptions end up in logs.
                raise TimeoutError(
                    f"chat {chat_id}: condition not met in {timeout}s; visible bot messages "
                    f"{ids}, version {snapshot.version}"
                )
            since = snapshot.version

    # --- configuration and inspection --------------------------------------------------------

    async def add_fault(
        self,
        kind: str,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 5,
        status: int = 500,
        delay: float = 1.0,
    ) -> None:
        """Queue a fault ("429", "403", "5xx" or "timeout") for matching calls."""
        body = {
            "kind": kind,
            "method": method,
            "chat_id": chat_id,
            "times": times,
            "retry_after": retry_after,
            "status": status,
            "delay": delay,
        }
        await self.request("POST", "faults", body)

    async def clear_faults(self) -> None:
        """Remove queued faults, random rates and silent blocks."""
        await self.request("DELETE", "faults")

    async def set_fault_rates(self, **rates: Any) -> JSONDict:
        """Set random fault rates (see `FaultRates`: too_many_requests, forbidden, ...)."""
        result: JSONDict = await self.request("PUT", "faults/rates", rates)
        return result

    async def set_blocked(self, user_ids: Iterable[int]) -> None:
        """Users who silently block the bot (403 with no update)."""
        await self.request("PUT", "faults/blocked", {"user_ids": list(user_ids)})

    async def set_limits(
        self,
        *,
        global_per_second: int | None = 30,
        private_chat_per_second: int | None = 1,
        group_per_minute: int | None = 20,
    ) -> None:
        """Replace the flood limits (None turns one off)."""
        body = {
            "global_per_second": global_per_second,
            "private_chat_per_second": private_chat_per_second,
            "group_per_minute": group_per_minute,
        }
        await self.request("PUT", "limits", body)

    async def stats(self) -> JSONDict:
        """Call counts by method and status, deliveries, pending updates."""
        result: JSONDict = await self.request("GET", "stats")
        return result

    async def events(
        self, *, method: str | None = None, chat_id: int | None = None, since: int = 0
    ) -> list[JSONDict]:
        """The Bot API call log, optionally filtered."""
        query = {"since": str(since)}
        if method:
            query["method"] = method
        if chat_id is not None:
            query["chat_id"] = str(chat_id)
        result: list[JSONDict] = await self.request("GET", "events", query=query)
        return result


class _ChatView:
    """What a participant sees of one chat."""

    def __init__(self, client: SandboxClient, chat_id: int) -> None:
        self.client = client
        self.chat_id = chat_id

    async def messages(self, *, include_deleted: bool = False) -> list[SeenMessage]:
        """The bot's messages in this chat, oldest first, edits applied."""
        snapshot = await self.client.chat(self.chat_id)
        return snapshot.all_messages if include_deleted else snapshot.messages

    async def last_message(self) -> SeenMessage:
        """The newest visible bot message; LookupError if there is none."""
        messages = await self.messages()
        if not messages:
            raise LookupError(f"no bot messages in chat {self.chat_id}")
        return messages[-1]

    async def wait_for_messages(
        self,
        count_or_predicate: int | Predicate,
        timeout: float = 5.0,  # noqa: ASYNC109 (the server's long-poll duration)
    ) -> list[SeenMessage]:
        """Visible bot messages once there are at least `count` (in total, not new ones) or
        `predicate(messages)` holds. Long-polls; raises TimeoutError after `timeout` s."""
        if isinstance(count_or_predicate, int):
            count = count_or_predicate

            def done(snapshot: ChatSnapshot) -> bool:
                return len(snapshot.messages) >= count

        else:
            predicate = count_or_predicate

            def done(snapshot: ChatSnapshot) -> bool:
                return predicate(snapshot.messages)

        snapshot = await self.client.wait_chat(self.chat_id, done, timeout)
        return snapshot.messages

    async def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to button presses in this chat, in order."""
        return (await self.client.chat(self.chat_id)).callback_answers

    async def wait_for_answers(
        self,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 (the server's long-poll duration)
    ) -> list[CallbackAnswer]:
        """Callback answers once there are at least `count`."""
        snapshot = await self.client.wait_chat(
            self.chat_id, lambda s: len(s.callback_answers) >= count, timeout
        )
        return snapshot.callback_answers

    async def _send(self, profile: JSONDict, text: str, entities: list[JSONDict] | None) -> int:
        body: JSONDict = {"user": profile, "text": text}
        if entities is not None:
            body["entities"] = entities
        result = await self.client.request("POST", f"chats/{self.chat_id}/messages", body)
        return int(result["message_id"])

    async def _press(self, profile: JSONDict, body: JSONDict) -> Press:
        result = await self.client.request(
            "POST", f"chats/{self.chat_id}/press", {"user": profile, **body}
        )
        return Press(**result)


def _command(command: str, arg: str | None) -> tuple[str, list[JSONDict]]:
    if not command.startswith("/"):
        command = "/" + command
    text = f"{command} {arg}" if arg else command
    return text, [{"type": "bot_command", "offset": 0, "length": len(command)}]


class SimulatedUser(_ChatView):
    """A Telegram user in a private chat with the bot."""

    def __init__(self, client: SandboxClient, profile: JSONDict) -> None:
        super().__init__(client, int(profile["id"]))
        self.profile = profile

    @property
    def id(self) -> int:
        """The user id (also the private chat id)."""
        return self.chat_id

    async def send_text(self, text: str) -> int:
        """Write `text` to the bot; returns the user's message id."""
        return await self._send(self.profile, text, None)

    async def send_command(self, command: str, arg: str | None = None) -> int:
        """Send "/command [arg]" with its bot_command entity."""
        text, entities = _command(command, arg)
        return await self._send(self.profile, text, entities)

    async def press(self, label: str) -> Press:
        """Tap the button labelled `label` on the newest bot message that has one."""
        return await self._press(self.profile, {"label": label})

    async def press_data(self, message_id: int, data: str) -> Press:
        """Send a callback query with arbitrary `data` for message `message_id` (forgery)."""
        return await self._press(self.profile, {"message_id": message_id, "data": data})

    async def block(self) -> None:
        """Block the bot: the bot gets my_chat_member "kicked", then 403 on every send."""
        await self._membership("kicked")

    async def unblock(self) -> None:
        """Unblock the bot: my_chat_member "member"."""
        await self._membership("member")

    async def _membership(self, status: str) -> None:
        body = {"user": self.profile, "status": status}
        await self.client.request("POST", f"chats/{self.chat_id}/membership", body)


class SimulatedGroup(_ChatView):
    """A group chat (negative id); every action names the member who does it."""

    def __init__(self, client: SandboxClient, chat_id: int, title: str) -> None:
        super().__init__(client, chat_id)
        self.title = title

    async def add_bot(self, by: SimulatedUser) -> None:
        """`by` adds the bot: my_chat_member "left" -> "member"."""
        await self._membership(by, "member")

    async def remove_bot(self, by: SimulatedUser, *, kick: bool = False) -> None:
        """`by` removes the bot ("left", or "kicked" with `kick`)."""
        await self._membership(by, "kicked" if kick else "left")

    async def send_text(self, by: SimulatedUser, text: str) -> int:
        """`by` writes in the group (with privacy mode the bot only sees commands/mentions)."""
        return await self._send(by.profile, text, None)

    async def send_command(self, by: SimulatedUser, command: str, arg: str | None = None) -> int:
        """`by` sends a command in the group."""
        text, entities = _command(command, arg)
        return await self._send(by.profile, text, entities)

    async def press(self, by: SimulatedUser, label: str) -> Press:
        """`by` taps a button in the group."""
        return await self._press(by.profile, {"label": label})

    async def _membership(self, by: SimulatedUser, status: str) -> None:
        body = {"user": by.profile, "status": status, "title": self.title}
        await self.client.request("POST", f"chats/{self.chat_id}/membership", body)
