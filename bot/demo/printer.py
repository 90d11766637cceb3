"""Prints the demo's conversation as it happens, stamped with simulated local time."""

from __future__ import annotations

import textwrap
from typing import TextIO
from zoneinfo import ZoneInfo

from core.clock import Clock
from sandbox import SeenMessage

_WIDTH = 96


class ConversationPrinter:
    """Writes each line of every simulated conversation to `out`."""

    def __init__(self, out: TextIO, clock: Clock, zone: ZoneInfo, *, quiet: bool) -> None:
        self._out = out
        self._clock = clock
        self._zone = zone
        self._quiet = quiet

    def _stamp(self) -> str:
        return self._clock.now().astimezone(self._zone).strftime("%a %d %b %H:%M")

    def _write(self, speaker: str, text: str) -> None:
        if self._quiet:
            return
        prefix = f"[{self._stamp()}] {speaker}: "
        body = textwrap.fill(
            " / ".join(line for line in text.splitlines() if line.strip()),
            width=_WIDTH,
            initial_indent=prefix,
            subsequent_indent=" " * len(prefix),
        )
        self._out.write(body + "\n")
        self._out.flush()

    def patient(self, name: str, text: str) -> None:
        """A simulated patient wrote something."""
        self._write(f"{name} -> N1", text)

    def pressed(self, name: str, label: str) -> None:
        """A simulated patient tapped a button."""
        self._write(f"{name} -> N1", f"[taps '{label}']")

    def bot(self, name: str, message: SeenMessage, *, edited: bool = False) -> None:
        """N1 sent (or edited) a message to a patient."""
        text = message.text or ""
        if edited:
            # An edit in place: show only what changed at the end (the new question).
            text = "(updates the message) " + text.rsplit("\n\n", 1)[-1]
        if message.has_photo:
            text = f"[chart] {text}"
        if message.labels:
            text += "  [" + " | ".join(message.labels) + "]"
        self._write(f"N1 -> {name}", text)

    def note(self, text: str) -> None:
        """A line about the demo itself."""
        if not self._quiet:
            self._out.write(text + "\n")
            self._out.flush()
