"""Injected failures: queued one-shot or counted faults, seeded random faults, silent blocks.

Kinds:
- "429": refused with Too Many Requests and `retry_after`; not delivered.
- "403": refused with "Forbidden: bot was blocked by the user"; not delivered.
- "5xx": refused with 500 or 502 "Internal Server Error"; not delivered.
- "timeout": carried out (the message IS delivered and recorded), then the HTTP answer is held
  back for `delay` real seconds, so a client with a shorter read timeout gives up after delivery.

A queued fault with no `method` matches only methods that act on a chat (sending, editing,
deleting, answering, chat actions), never getUpdates, getMe or webhook calls, so a fault
aimed at "the next call" cannot break the bot's polling by accident.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

FaultKind = Literal["429", "403", "5xx", "timeout"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)

# Methods a fault without `method` may hit (lower case, as routed).
CHAT_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
        "deletemessage",
        "answercallbackquery",
        "sendchataction",
    }
)
SENDING_METHODS = frozenset({"sendmessage", "sendphoto", "senddocument"})


@dataclass
class Fault:
    """One queued failure, fired on the next `times` matching calls."""

    kind: FaultKind
    method: str | None = None
    chat_id: int | None = None
    times: int = 1
    retry_after: int = 5
    status: int = 500
    delay: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.status not in (500, 502):
            raise ValueError("status must be 500 or 502")
        if self.retry_after < 1 or self.delay < 0:
            raise ValueError("retry_after must be >= 1 and delay >= 0")
        self.method = self.method.lower() if self.method else None

    def matches(self, method: str, chat_id: int | None) -> bool:
        """Whether a call to `method` (lower case) for `chat_id` triggers this fault."""
        if self.method is None:
            if method not in CHAT_METHODS:
                return False
        elif self.method != method:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        """A fault from the control API's JSON."""
        return cls(
            kind=cast(FaultKind, str(data["kind"])),
            method=data.get("method"),
            chat_id=None if data.get("chat_id") is None else int(data["chat_id"]),
            times=int(data.get("times", 1)),
            retry_after=int(data.get("retry_after", 5)),
            status=int(data.get("status", 500)),
            delay=float(data.get("delay", 1.0)),
        )


@dataclass(frozen=True)
class FaultRates:
    """Chances (0..1) that a call to one of `methods` fails, drawn from the seeded RNG."""

    too_many_requests: float = 0.0
    forbidden: float = 0.0
    server_error: float = 0.0
    timeout: float = 0.0
    retry_after: int = 1
    delay: float = 1.0
    methods: frozenset[str] = SENDING_METHODS

    def __post_init__(self) -> None:
        total = self.too_many_requests + self.forbidden + self.server_error + self.timeout
        rates = (self.too_many_requests, self.forbidden, self.server_error, self.timeout)
        if min(rates) < 0 or total > 1:
            raise ValueError("rates must be >= 0 and add up to at most 1")
        object.__setattr__(self, "methods", frozenset(m.lower() for m in self.methods))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRates:
        """Rates from the control API's JSON."""
        values = dict(data)
        if "methods" in values:
            values["methods"] = frozenset(values["methods"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The rates as JSON."""
        return {
            "too_many_requests": self.too_many_requests,
            "forbidden": self.forbidden,
            "server_error": self.server_error,
            "timeout": self.timeout,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "methods": sorted(self.methods),
        }


@dataclass
class FaultInjector:
    """Decides which calls fail. Queued faults fire first, in the order they were added."""

    seed: int = 0
    queued: list[Fault] = field(default_factory=list)
    rates: FaultRates = field(default_factory=FaultRates)
    # Users who silently blocked every bot: sends to them get 403, with no update sent.
    blocked_user_ids: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def add(
        self,
        kind: FaultKind,
        *,
        method: str | None = None,
        chat_id: int | None = None,
        times: int = 1,
        retry_after: int = 5,
        status: int = 500,
        delay: float = 1.0,
    ) -> Fault:
        """Queue a fault for the next `times` calls matching `method` and `chat_id`."""
        fault = Fault(kind, method, chat_id, times, retry_after, status, delay)
        self.queued.append(fault)
        return fault

    def clear(self) -> None:
        """Forget queued faults, zero the rates and unblock silently blocked users."""
        self.queued.clear()
        self.rates = FaultRates()
        self.blocked_user_ids.clear()

    def take(self, method: str, chat_id: int | None) -> Fault | None:
        """The fault that hits this call, if any; queued faults are used up as they fire."""
        for fault in self.queued:
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times == 0:
                    self.queued.remove(fault)
                return fault
        return self._draw(method, chat_id)

    def _draw(self, method: str, chat_id: int | None) -> Fault | None:
        rates = self.rates
        if method not in rates.methods:
            return None
        # One draw per eligible call keeps runs with the same seed and call order identical.
        roll = self._rng.random()
        kinds: list[tuple[FaultKind, float]] = [
            ("429", rates.too_many_requests),
            ("403", rates.forbidden),
            ("5xx", rates.server_error),
            ("timeout", rates.timeout),
        ]
        for kind, rate in kinds:
            if roll < rate:
                status = self._rng.choice((500, 502)) if kind == "5xx" else 500
                return Fault(kind, method, chat_id, 1, rates.retry_after, status, rates.delay)
            roll -= rate
        return None
