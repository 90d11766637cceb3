"""The fixed encryption keys the tests store people's words with (never used anywhere else)."""

from __future__ import annotations

from core.crypto import TextCipher

TEST_ENCRYPTION_KEY = "XLnoqou7A2e419ZhooJdt5dqDqE60XedA0S0MOY0WTw="
# A second key, for rotation and wrong-key tests.
OTHER_ENCRYPTION_KEY = "ZanG3gBZ_NwkWR9OA2Kj42E8WjJKnZ35bfL-f02mddI="


def fixed_cipher() -> TextCipher:
    """The cipher the test fixtures' session factories and bots use."""
    return TextCipher([TEST_ENCRYPTION_KEY])
