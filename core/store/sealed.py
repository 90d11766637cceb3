"""Which stored values are a person's words, kept encrypted (`core.crypto`).

The columns below hold what a person typed or text that contains it: check-in notes,
activity names, next week's focus, and the weekly summary (which quotes activity names).
An outbox payload's `text` is encrypted too: a queued summary quotes their activities, and
any queued message may one day quote them. The rest of a payload is ids and fixed words.

Repositories encrypt on the way in and decrypt on the way out; `n1 keys rotate`
(`core.store.repositories.keys`) walks the same list. Patients' names are never stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from core.crypto import TextCipher
from core.store.tables import ActivityRow, Base, CheckInRow, OutboxRow, WeeklySummaryRow

PAYLOAD_TEXT: Final = "text"


@dataclass(frozen=True, slots=True)
class Sealed:
    """A column kept encrypted: the whole value, or (`in_payload`) a JSON payload's text."""

    model: type[Base]
    column: str
    in_payload: bool = False

    def text_of(self, value: Any) -> str | None:
        """The encrypted text in a stored value of this column (None: a payload without
        text)."""
        if not self.in_payload:
            return str(value)
        text = value.get(PAYLOAD_TEXT)
        return text if isinstance(text, str) else None

    @property
    def name(self) -> str:
        """How operators see it: `table.column`, or `outbox.payload.text`."""
        name = f"{self.model.__tablename__}.{self.column}"
        return f"{name}.{PAYLOAD_TEXT}" if self.in_payload else name


SEALED: Final = (
    Sealed(CheckInRow, "note"),
    Sealed(ActivityRow, "label"),
    Sealed(WeeklySummaryRow, "text"),
    Sealed(WeeklySummaryRow, "next_focus"),
    Sealed(OutboxRow, "payload", in_payload=True),
)


def seal_payload(payload: Mapping[str, Any], cipher: TextCipher) -> dict[str, Any]:
    """An outbox payload as stored: its text encrypted, the rest as it is."""
    sealed = dict(payload)
    if isinstance(text := sealed.get(PAYLOAD_TEXT), str):
        sealed[PAYLOAD_TEXT] = cipher.encrypt(text)
    return sealed


def open_payload(payload: Mapping[str, Any], cipher: TextCipher) -> dict[str, Any]:
    """A stored outbox payload with its text decrypted."""
    opened = dict(payload)
    if isinstance(token := opened.get(PAYLOAD_TEXT), str):
        opened[PAYLOAD_TEXT] = cipher.decrypt(token)
    return opened
