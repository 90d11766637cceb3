"""The injected clock: the only place in N1 that reads the wall clock.

Everything that needs "now" takes a `Clock`. Production uses `SystemClock`; tests use
`FakeClock` and move time by hand; the demo uses `AcceleratedClock` so a simulated week passes
in a minute.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """A source of the current time."""

    def now(self) -> datetime:
        """The current moment as an aware UTC datetime."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (for rates and timeouts)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait for `seconds` of this clock's time."""
        ...

    def real_seconds(self, seconds: float) -> float:
        """How many real seconds `seconds` of this clock's time take (for real timers)."""
        ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        """The current moment as an aware UTC datetime."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds from `time.monotonic`."""
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Wait for real seconds."""
        await asyncio.sleep(max(0.0, seconds))

    def real_seconds(self, seconds: float) -> float:
        """Real time is this clock's time."""
        return seconds


class FakeClock:
    """A clock that moves only when told to; `sleep` advances it instead of waiting."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._monotonic = 0.0

    def now(self) -> datetime:
        """The fake current moment."""
        return self._now

    def monotonic(self) -> float:
        """Seconds advanced since this clock was made."""
        return self._monotonic

    def advance(self, delta: timedelta | float) -> None:
        """Move time forward by `delta` (a timedelta or seconds)."""
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def set(self, moment: datetime) -> None:
        """Jump forward to `moment`."""
        self.advance(moment.astimezone(UTC) - self._now)

    async def sleep(self, seconds: float) -> None:
        """Advance the clock instead of waiting, then let other tasks run once."""
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)

    def real_seconds(self, seconds: float) -> float:
        """Fake time never passes by itself, so real timers (polls) keep their own length."""
        return seconds


class AcceleratedClock:
    """Simulated time that runs `speed` times faster than real time, from `start`."""

    def __init__(self, start: datetime, speed: float) -> None:
        if start.tzinfo is None:
            raise ValueError("AcceleratedClock needs an aware datetime")
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._real_origin = time.monotonic()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    def now(self) -> datetime:
        """The simulated current moment."""
        return self._start + timedelta(seconds=self.monotonic())

    def monotonic(self) -> float:
        """Simulated seconds since the clock was made."""
        return (time.monotonic() - self._real_origin) * self._speed

    def real_seconds(self, simulated_seconds: float) -> float:
        """How many real seconds `simulated_seconds` take on this clock."""
        return simulated_seconds / self._speed

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of simulated time."""
        await asyncio.sleep(max(0.0, self.real_seconds(seconds)))
