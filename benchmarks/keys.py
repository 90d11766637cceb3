"""The encryption key of the benchmarks' databases, in a module that imports nothing heavy,
so the start-up benchmark's child process measures only what N1 itself imports."""

from __future__ import annotations

from typing import Final

from core.crypto import TextCipher

# A fixed Fernet key: benchmark databases are scratch data, never real people's words.
BENCH_ENCRYPTION_KEY: Final = "-pPLBPTUW2dvJ0yLUqmC0WBaQdgbOHNfQXSWVQkdByQ="


def bench_cipher() -> TextCipher:
    """The cipher for benchmark databases, as the benchmarks' bots have it."""
    return TextCipher([BENCH_ENCRYPTION_KEY])
