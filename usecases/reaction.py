"""What a use-case wants done in reply: answer a tap, edit its message, send messages."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.ports import OutgoingMessage


@dataclass(frozen=True)
class Outgoing:
    """One message to send, its kind (for counts) and the check-in it shows, if any."""

    kind: str
    message: OutgoingMessage
    check_in_id: int | None = None


@dataclass(frozen=True)
class Document:
    """A file to send: its name, bytes and a short caption."""

    filename: str
    content: bytes
    caption: str


@dataclass
class Reaction:
    """Everything to do in reply to one update, in order: answer, edit, then send."""

    answer: str | None = None
    edit: OutgoingMessage | None = None
    sends: list[Outgoing] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    # Reply to this earlier message instead of sending a duplicate (e.g. today's check-in).
    reply_to_message_id: int | None = None

    def send(
        self, kind: str, message: OutgoingMessage | str, check_in_id: int | None = None
    ) -> Reaction:
        """Add a message to send; returns self so calls chain."""
        if isinstance(message, str):
            message = OutgoingMessage(message)
        self.sends.append(Outgoing(kind, message, check_in_id))
        return self
