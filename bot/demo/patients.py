"""Simulated patients: each follows a small plan on the accelerated clock and reads replies."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.demo.printer import ConversationPrinter
from bot.sandbox import SimulatedUser
from core.clock import Clock

NAMES = (
    "Ama", "Ben", "Chloe", "Dev", "Erin", "Femi", "Grace", "Hamza", "Isla", "Jon",
    "Kiran", "Lena", "Mo", "Nia", "Owen", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
)  # fmt: skip

# Things people type that N1 does not expect: it must answer each kindly.
STRAY_TEXTS = (
    "hello?",
    "what do I do now",
    "👍👍👍",
    "my back is a bit better today actually",
    "ok",
    "😀" * 40,
)

# How long to wait (real seconds) for N1 to answer before the demo notes the silence.
REPLY_TIMEOUT = 10.0


@dataclass
class PlannedAction:
    """Something a patient does at a simulated moment."""

    at: datetime
    kind: str
    run: Callable[[], Awaitable[object]]
    label: str


@dataclass
class DemoPatient:
    """One simulated person with a plan, who prints what they send and what N1 replies."""

    name: str
    user: SimulatedUser
    printer: ConversationPrinter
    clock: Clock
    actions: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0
    _printed: set[tuple[int, str]] = field(default_factory=set)

    def plan(self, rng: random.Random, start: datetime) -> list[PlannedAction]:
        """The foundation demo: /start on the first morning, then a few other things."""
        moment = start + timedelta(minutes=rng.randint(0, 180))
        plan = [self._command(moment, "/start")]
        for command, chance in (("/help", 0.6), ("/privacy", 0.3)):
            if rng.random() < chance:
                moment += timedelta(minutes=rng.randint(5, 90))
                plan.append(self._command(moment, command))
        if rng.random() < 0.5:
            moment += timedelta(minutes=rng.randint(5, 90))
            text = rng.choice(STRAY_TEXTS)
            plan.append(PlannedAction(moment, "text", lambda: self.user.send_text(text), text))
        return plan

    def _command(self, at: datetime, command: str) -> PlannedAction:
        return PlannedAction(at, "command", lambda: self.user.send_command(command), command)

    async def follow(self, plan: list[PlannedAction]) -> None:
        """Carry out the plan in simulated time, reading N1's replies after each step."""
        for action in plan:
            await self.clock.sleep((action.at - self.clock.now()).total_seconds())
            before = len(await self.user.messages())
            self.printer.patient(self.name, action.label)
            await action.run()
            self.actions[action.kind] += 1
            try:
                await self.user.wait_for_messages(before + 1, timeout=REPLY_TIMEOUT)
            except TimeoutError:
                self.unanswered += 1
                self.printer.note(f"   (no reply to {self.name} yet)")
            await self.print_new()

    async def print_new(self) -> None:
        """Print every message (or edit) from N1 not printed before."""
        for message in await self.user.messages():
            key = (message.message_id, message.text or "")
            if key not in self._printed:
                self._printed.add(key)
                self.printer.bot(self.name, message)
