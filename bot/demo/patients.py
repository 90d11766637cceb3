"""Simulated patients: each meets N1, sets it up, and answers check-ins on the demo clock.

Each patient is a small agent. It acts at planned simulated moments (first /start, the odd
/help or stray message, an on-demand /checkin) and reacts to whatever N1 sends: it taps
through onboarding and answers check-ins one tap at a time, with answers that drift a little
better over the weeks (each person at their own pace), and sometimes skips or adds a note.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.demo.printer import ConversationPrinter
from core.clock import Clock
from messages import journey
from messages.checkin_message import BACK_LABEL, CHANGE_LABEL, NOTE_LABEL, SKIP_LABEL
from sandbox import SeenMessage, SimulatedUser

NAMES = (
    "Ama", "Ben", "Chloe", "Dev", "Erin", "Femi", "Grace", "Hamza", "Isla", "Jon",
    "Kiran", "Lena", "Mo", "Nia", "Owen", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
)  # fmt: skip

# Onboarding answers people give: (tap or typed, text).
ZONES = (("tap", "UK (London)"), ("type", "Manchester"), ("type", "Dublin"), ("type", "Kolkata"))
DAYS = ("Every day", "Every day", "Weekdays")
TIMES = (("tap", "08:00"), ("tap", "09:00"), ("type", "7.30pm"), ("tap", "18:00"))
ACTIVITIES = (
    "walk the dog",
    "gardening",
    "play with my grandchildren",
    "swim twice a week",
    "carry the shopping home",
    "sit through a film",
    "get back to cycling",
)
NOTES = ("Walked further than last week.", "Tired today, took it gently.", "Busy day at work.")
STRAY_TEXTS = ("hello?", "what do I do now", "👍👍👍", "ok")

# Real seconds to wait for N1 before the demo notes the silence.
REPLY_TIMEOUT = 10.0


@dataclass
class Persona:
    """How one simulated person answers: engagement, starting point and pace of change."""

    answers_checkins: float
    start: float
    gain_per_week: float
    notes: float

    @classmethod
    def draw(cls, rng: random.Random) -> Persona:
        """A person drawn at random (deterministic under the demo's seed)."""
        return cls(
            answers_checkins=rng.uniform(0.55, 0.95),
            start=rng.uniform(1.6, 2.8),
            gain_per_week=rng.uniform(0.0, 0.45),
            notes=rng.uniform(0.0, 0.25),
        )


@dataclass
class DemoPatient:
    """One simulated person, printing what they send and what N1 sends them."""

    name: str
    user: SimulatedUser
    printer: ConversationPrinter
    clock: Clock
    rng: random.Random
    started: datetime
    persona: Persona = field(init=False)
    # Days (since the demo started) when this person goes quiet and when they come back:
    # N1 backs off while they are away and welcomes them back, without counting.
    away: tuple[float, float] | None = None
    _back: bool = False
    actions: Counter[str] = field(default_factory=Counter)
    unanswered: int = 0
    _printed: dict[int, str] = field(default_factory=dict)
    _handled: set[tuple[int, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.persona = Persona.draw(self.rng)

    # -- seeing what N1 sent ------------------------------------------------------------------

    async def _refresh(self) -> list[SeenMessage]:
        """Read the chat and print what is new or changed since last time."""
        messages = await self.user.messages()
        for message in messages:
            text = message.text or ""
            if self._printed.get(message.message_id) != text:
                self.printer.bot(self.name, message, edited=message.message_id in self._printed)
                self._printed[message.message_id] = text
        return messages

    async def _after(self, count: int, *, edits: bool = False) -> list[SeenMessage]:
        """Wait for N1's reply (a new message, or an edit when `edits`) and print it."""
        seen = dict(self._printed)

        def changed(messages: list[SeenMessage]) -> bool:
            if len(messages) > count:
                return True
            return edits and any(seen.get(m.message_id) != (m.text or "") for m in messages)

        try:
            await self.user.wait_for_messages(changed, timeout=REPLY_TIMEOUT)
        except TimeoutError:
            self.unanswered += 1
            self.printer.note(f"   (no reply to {self.name} yet)")
        return await self._refresh()

    # -- doing things -------------------------------------------------------------------------

    async def say(self, text: str, kind: str = "text") -> list[SeenMessage]:
        """Type a message or command and wait for the reply."""
        count = len(await self.user.messages())
        self.printer.patient(self.name, text)
        if text.startswith("/"):
            command, _, arg = text.partition(" ")
            await self.user.send_command(command, arg or None)
        else:
            await self.user.send_text(text)
        self.actions[kind] += 1
        return await self._after(count)

    async def tap(self, label: str) -> list[SeenMessage]:
        """Tap a button on N1's latest message that has it, and wait for the result."""
        count = len(await self.user.messages())
        self.printer.pressed(self.name, label)
        await self.user.press(label)
        self.actions["tap"] += 1
        return await self._after(count, edits=True)

    async def onboard(self) -> None:
        """/start and the whole set-up, answered the way this person would."""
        await self.say("/start", "command")
        await self.tap(journey.CONSENT_YES)
        how, zone = self.rng.choice(ZONES)
        messages = await (self.say(zone) if how == "type" else self.tap(zone))
        if messages[-1].labels and "Every day" not in messages[-1].labels:
            await self.tap(messages[-1].labels[0])  # a suggested place: tap the first
        await self.tap(self.rng.choice(DAYS))
        how, at = self.rng.choice(TIMES)
        await (self.say(at) if how == "type" else self.tap(at))
        await self.tap("Sun")
        await self.tap("12:00")  # midday: the summary and its chart land before evening
        await self.tap("Yes, keep that")
        for activity in self.rng.sample(ACTIVITIES, self.rng.randint(1, 2)):
            await self.say(activity)
        await self.tap("Done")

    def _value(self, labels: list[str], item_labels: list[str]) -> str:
        """Pick an answer: this person's level now, a little noise, worse-is-lower scales."""
        weeks = (self.clock.now() - self.started).total_seconds() / (7 * 86400)
        level = self.persona.start + self.persona.gain_per_week * weeks + self.rng.gauss(0, 0.6)
        if len(item_labels) == 11:  # an activity, rated 0 to 10
            return item_labels[max(0, min(10, round(level * 2)))]
        index = max(0, min(4, round(level) - 1))
        # On "lower is better" scales (worry, pain) the first label is the best one.
        if item_labels[0] in ("Not at all", "Hardly"):
            index = 4 - index
        return item_labels[index]

    async def answer(self, message: SeenMessage) -> None:
        """Answer a check-in one item at a time, as a person would."""
        self.actions["checkin_started"] += 1
        while True:
            labels = message.labels
            if NOTE_LABEL in labels:
                break
            item_labels = [label for label in labels if label not in (SKIP_LABEL, BACK_LABEL)]
            if not item_labels:
                return
            choice = SKIP_LABEL if self.rng.random() < 0.07 else self._value(labels, item_labels)
            messages = await self.tap(choice)
            updated = next((m for m in messages if m.message_id == message.message_id), None)
            if updated is None or updated.labels == labels:
                return
            message = updated
        self.actions["checkin_completed"] += 1
        if self.rng.random() < self.persona.notes:
            count = len(await self.user.messages())
            self.printer.pressed(self.name, NOTE_LABEL)
            await self.user.press(NOTE_LABEL)
            await self._after(count)
            await self.say(self.rng.choice(NOTES), "note")

    async def react(self) -> None:
        """Answer every check-in on screen that this person has not dealt with yet."""
        for message in await self._refresh():
            key = (message.message_id, message.labels[0] if message.labels else "")
            if key in self._handled or not message.labels or CHANGE_LABEL in message.labels:
                continue
            if not (message.text or "").count("Question"):
                continue
            self._handled.add(key)
            if self.rng.random() < self.persona.answers_checkins:
                await self.answer(message)
            else:
                self.actions["checkin_left"] += 1

    async def live(self, until: datetime) -> None:
        """From the first /start to the end of the demo."""
        first = self.started + timedelta(minutes=self.rng.randint(0, 180))
        await self.clock.sleep((first - self.clock.now()).total_seconds())
        await self.onboard()
        if self.rng.random() < 0.4:
            await self.say(self.rng.choice(STRAY_TEXTS))
        if self.rng.random() < 0.3:
            await self.say("/help", "command")
        while self.clock.now() < until:
            if self._is_away():
                await self._refresh()  # messages arrive; nobody answers them
            else:
                await self._come_back_if_due()
                await self.react()
            count = len(await self.user.messages())
            left = (until - self.clock.now()).total_seconds()
            if self.away is not None and not self._back:
                # Wake up in time to come back, even if N1 has gone quiet too.
                back_at = self.started + timedelta(days=self.away[1])
                left = min(left, (back_at - self.clock.now()).total_seconds())
            timeout = min(30.0, max(0.05, self._real(left)))
            with contextlib.suppress(TimeoutError):
                await self.user.wait_for_messages(count + 1, timeout=timeout)

    def _day(self) -> float:
        return (self.clock.now() - self.started).total_seconds() / 86400

    def _is_away(self) -> bool:
        return self.away is not None and self.away[0] <= self._day() < self.away[1]

    async def _come_back_if_due(self) -> None:
        """After time away: check in again of their own accord."""
        if self.away is None or self._back or self._day() < self.away[1]:
            return
        self._back = True
        for message in await self.user.messages():  # what arrived while away stays unanswered
            self._handled.add((message.message_id, message.labels[0] if message.labels else ""))
        self.printer.note(f"   ({self.name} comes back after a quiet spell)")
        await self.say("/checkin", "command")

    def _real(self, simulated_seconds: float) -> float:
        speed = getattr(self.clock, "speed", 1.0)
        return simulated_seconds / float(speed)


async def run_all(patients: list[DemoPatient], until: datetime) -> None:
    """Every simulated patient at once."""
    await asyncio.gather(*(patient.live(until) for patient in patients))
