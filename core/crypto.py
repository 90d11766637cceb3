"""Encryption at rest of people's own words: the one implementation of encrypt and decrypt.

Every column that holds what a person typed, or text that contains it (notes, activity
names, next week's focus, weekly summaries, the text of queued messages), is stored as a
Fernet token. The keys come from `N1_ENCRYPTION_KEYS`: the first key encrypts, every key
decrypts (MultiFernet), so a new key is put first, `n1 keys rotate` re-encrypts everything
with it, and then the old key can be removed.

The cipher is built in the composition root and carried on the session factory
(`core.store.engine.create_session_factory`); repositories take it from their session.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from enum import StrEnum

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

ENCRYPTION_KEYS_VARIABLE = "N1_ENCRYPTION_KEYS"
# A Fernet token: version byte 0x80, 8-byte timestamp, 16-byte IV, at least one 16-byte
# block of ciphertext and a 32-byte HMAC, in URL-safe base64.
_TOKEN_VERSION = 0x80
_MIN_TOKEN_BYTES = 1 + 8 + 16 + 16 + 32


class UnreadableTextError(Exception):
    """A stored value is not readable with any configured key (or was never encrypted)."""

    def __init__(self) -> None:
        super().__init__(
            f"a stored value cannot be decrypted with any key in {ENCRYPTION_KEYS_VARIABLE}"
        )


class Rotated(StrEnum):
    """What `TextCipher.rotate` did to one stored value."""

    REENCRYPTED = "re-encrypted"  # a token, now under the first key
    ENCRYPTED = "encrypted"  # plain text from before encryption at rest, now a token
    UNREADABLE = "unreadable"  # a token no configured key opens: left as it was


def new_key() -> str:
    """A fresh random key for `N1_ENCRYPTION_KEYS`."""
    return Fernet.generate_key().decode("ascii")


def check_key(key: str) -> None:
    """Raise ValueError if `key` is not a Fernet key (32 bytes in URL-safe base64)."""
    Fernet(key)


def looks_like_token(value: str) -> bool:
    """Whether `value` has the shape of a Fernet token (whichever key made it).

    Plain text from before encryption at rest never has it: a person would have to type
    73 or more characters of base64 that decode to a version byte of 0x80.
    """
    if len(value) < 4 * ((_MIN_TOKEN_BYTES + 2) // 3) or not value.isascii():
        return False
    try:
        raw = base64.urlsafe_b64decode(value)
    except (binascii.Error, ValueError):
        return False
    return raw[0] == _TOKEN_VERSION and len(raw) >= _MIN_TOKEN_BYTES


class TextCipher:
    """Encrypts text with the first key and decrypts it with any of the keys."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("at least one key is needed")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    def encrypt(self, text: str) -> str:
        """The token to store for `text`."""
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The text a stored token holds; `UnreadableTextError` if no key opens it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise UnreadableTextError() from None

    def encrypt_optional(self, text: str | None) -> str | None:
        """`encrypt`, with None (nothing written) kept as None."""
        return None if text is None else self.encrypt(text)

    def decrypt_optional(self, token: str | None) -> str | None:
        """`decrypt`, with None (nothing written) kept as None."""
        return None if token is None else self.decrypt(token)

    def readable(self, value: str) -> bool:
        """Whether `value` is a token one of the keys opens."""
        try:
            self.decrypt(value)
        except UnreadableTextError:
            return False
        return True

    def rotate(self, value: str) -> tuple[str, Rotated]:
        """`value` as it should be stored now, and what was done to it.

        A token is re-encrypted under the first key (MultiFernet.rotate); plain text written
        before encryption at rest is encrypted; a token no key opens is left as it was.
        """
        if not looks_like_token(value):
            return self.encrypt(value), Rotated.ENCRYPTED
        try:
            rotated = self._fernet.rotate(value.encode("ascii")).decode("ascii")
        except InvalidToken:
            return value, Rotated.UNREADABLE
        return rotated, Rotated.REENCRYPTED
