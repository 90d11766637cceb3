"""The encryption keys' upkeep: re-encrypting every stored word under the first key
(`n1 keys rotate`), and the check at start that the configured keys read what is stored."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.crypto import ENCRYPTION_KEYS_VARIABLE, Rotated, looks_like_token
from core.store.repositories import SealedTextRepository
from core.store.sealed import SEALED

# Values rewritten per transaction: short transactions, so a running bot waits little.
ROTATE_BATCH = 500


async def rotate_keys(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    batch: int = ROTATE_BATCH,
    progress: Callable[[str, Counter[Rotated]], None] | None = None,
) -> dict[str, Counter[Rotated]]:
    """Re-encrypt every stored word under the first key, a batch per transaction; plain
    text from before encryption at rest is encrypted. Returns counts per column (and calls
    `progress` with each column's counts when it is done). Safe to run again, or alongside
    a running bot: a value written meanwhile is already under the first key."""
    done: dict[str, Counter[Rotated]] = {}
    for sealed in SEALED:
        counts: Counter[Rotated] = Counter()
        after_id: int | None = 0
        while after_id is not None:
            async with session_factory.begin() as session:
                result = await SealedTextRepository(session).rotate_batch(
                    sealed, after_id=after_id, limit=batch
                )
            counts.update(result.counts)
            after_id = result.last_id
        done[sealed.name] = counts
        if progress is not None:
            progress(sealed.name, counts)
    return done


async def stored_text_problem(session_factory: async_sessionmaker[AsyncSession]) -> str | None:
    """One line for the operator if the configured keys cannot read a sample of what is
    stored (the oldest and newest values of each encrypted column), else None.

    Checked once at start, so a wrong or missing key stops the bot with a clear line
    instead of failing on every message that touches a person's words.
    """
    async with session_factory() as session:
        repository = SealedTextRepository(session)
        for sealed in SEALED:
            for value in await repository.unreadable_in_sample(sealed):
                if not looks_like_token(value):
                    return (
                        f"{ENCRYPTION_KEYS_VARIABLE}: {sealed.name} holds words stored before "
                        "encryption at rest; run `n1 keys rotate` once to encrypt them"
                    )
                return (
                    f"{ENCRYPTION_KEYS_VARIABLE}: no key opens what is stored in {sealed.name}; "
                    "put back the key it was written with (after the new one) and run "
                    "`n1 keys rotate`"
                )
    return None
