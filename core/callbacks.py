"""Button data: compact, versioned, at most 64 bytes, and never trusted.

Data for a check-in button names the check-in, the item and the value, and carries a short
signature over those and the owner's patient id. A tap is applied only when the signature
verifies for the person who tapped, so data from another person's check-in, or edited data,
is rejected before anything is written.

Formats (fields separated by ':'):
    1:a:<check_in_id>:<item_index>:<value>:<sig>   answer an item (value 0-10, or 's' = skip)
    1:v:<check_in_id>:<item_index>:<sig>            show an item again (to change the answer)
    1:n:<check_in_id>:<sig>                         add a note to a check-in
    1:z:<check_in_id>:<choice>:<sig>                nudge reply ('later' or 'no')
    1:o:<step>:<choice>                             a choice in onboarding or /settings
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Literal

VERSION = "1"
MAX_BYTES = 64
SKIP = "s"
_SIG_BYTES = 6
# Choice tokens: lower-case words, numbers and zone names written with "." for "/".
_TOKEN = re.compile(r"^[a-z0-9_.+-]{1,40}$")


class InvalidCallbackError(ValueError):
    """The data is malformed, from another version, or its signature does not verify."""


@dataclass(frozen=True)
class AnswerTap:
    """A tap on an answer button: `value` is None for "skip"."""

    check_in_id: int
    item_index: int
    value: int | None


@dataclass(frozen=True)
class ReviewTap:
    """A tap asking to see an item again, to change its answer."""

    check_in_id: int
    item_index: int


@dataclass(frozen=True)
class NoteTap:
    """A tap on "add a note"."""

    check_in_id: int


@dataclass(frozen=True)
class NudgeTap:
    """A tap on a nudge button."""

    check_in_id: int
    choice: Literal["later", "no"]


@dataclass(frozen=True)
class ChoiceTap:
    """A tap on an onboarding or settings option; applied only to the tapper's own record."""

    step: str
    choice: str


CheckInTap = AnswerTap | ReviewTap | NoteTap | NudgeTap
Tap = CheckInTap | ChoiceTap


class CallbackCodec:
    """Encodes and verifies button data with a secret key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the callback key must be at least 16 bytes")
        self._key = key

    def _sign(self, patient_id: int, body: str) -> str:
        """HMAC-SHA256 of the owner and the data, cut short, as URL-safe base64 unpadded."""
        digest = hmac.new(self._key, f"{patient_id}|{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:_SIG_BYTES]).decode().rstrip("=")

    def _signed(self, patient_id: int, body: str) -> str:
        data = f"{body}:{self._sign(patient_id, body)}"
        if len(data.encode()) > MAX_BYTES:  # ids would have to be absurdly large
            raise ValueError("callback data over 64 bytes")
        return data

    def answer(self, patient_id: int, check_in_id: int, item_index: int, value: int | None) -> str:
        """Data for an answer button (value None means skip)."""
        shown = SKIP if value is None else str(value)
        return self._signed(patient_id, f"{VERSION}:a:{check_in_id}:{item_index}:{shown}")

    def review(self, patient_id: int, check_in_id: int, item_index: int) -> str:
        """Data for a "change this answer" button."""
        return self._signed(patient_id, f"{VERSION}:v:{check_in_id}:{item_index}")

    def note(self, patient_id: int, check_in_id: int) -> str:
        """Data for an "add a note" button."""
        return self._signed(patient_id, f"{VERSION}:n:{check_in_id}")

    def nudge(self, patient_id: int, check_in_id: int, choice: Literal["later", "no"]) -> str:
        """Data for a nudge button."""
        return self._signed(patient_id, f"{VERSION}:z:{check_in_id}:{choice}")

    @staticmethod
    def choice(step: str, choice: str) -> str:
        """Data for an onboarding or settings option."""
        if not (_TOKEN.match(step) and _TOKEN.match(choice)):
            raise ValueError("steps and choices are short lower-case tokens")
        return f"{VERSION}:o:{step}:{choice}"

    def decode(self, data: str | None, patient_id: int | None) -> Tap:
        """The tap this data stands for, checked against the tapper's patient id.

        Raises `InvalidCallbackError` for anything malformed, unsigned where a signature is
        needed, or signed for someone else.
        """
        if not data or len(data.encode()) > MAX_BYTES:
            raise InvalidCallbackError("empty or too long")
        parts = data.split(":")
        if len(parts) < 3 or parts[0] != VERSION:
            raise InvalidCallbackError("unknown format")
        kind = parts[1]
        if kind == "o":
            if len(parts) != 4 or not (_TOKEN.match(parts[2]) and _TOKEN.match(parts[3])):
                raise InvalidCallbackError("bad choice")
            return ChoiceTap(parts[2], parts[3])
        if patient_id is None:
            raise InvalidCallbackError("signed data from someone who is not a patient")
        body, signature = ":".join(parts[:-1]), parts[-1]
        if not hmac.compare_digest(signature, self._sign(patient_id, body)):
            raise InvalidCallbackError("signature does not verify")
        try:
            return _parse_signed(kind, parts[2:-1])
        except (ValueError, IndexError) as error:
            raise InvalidCallbackError("bad fields") from error


def _number(text: str, upper: int) -> int:
    if not text.isdigit() or len(text) > len(str(upper)):
        raise ValueError(text)
    value = int(text)
    if value > upper:
        raise ValueError(text)
    return value


def _parse_signed(kind: str, fields: list[str]) -> CheckInTap:
    check_in_id = _number(fields[0], 10**12)
    if kind == "a" and len(fields) == 3:
        value = None if fields[2] == SKIP else _number(fields[2], 10)
        return AnswerTap(check_in_id, _number(fields[1], 20), value)
    if kind == "v" and len(fields) == 2:
        return ReviewTap(check_in_id, _number(fields[1], 20))
    if kind == "n" and len(fields) == 1:
        return NoteTap(check_in_id)
    if kind == "z" and len(fields) == 2 and fields[1] in ("later", "no"):
        return NudgeTap(check_in_id, "later" if fields[1] == "later" else "no")
    raise ValueError(kind)


def derive_key(secret: str) -> bytes:
    """A callback key derived from a secret (the bot token or N1_SECRET_KEY)."""
    return hashlib.sha256(f"n1-callback-data|{secret}".encode()).digest()
