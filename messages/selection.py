"""Choosing which variant of a message a person gets.

Effects of repeated prompts fade, and a canned line read twice feels like a machine, so:
never the same text twice in a row, and none of the last N of the same pool.
The caller keeps the person's history of message ids and passes it in; this module only
decides, and randomness is injected so that a seed gives the same choice every time.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from messages.schema import Message

DEFAULT_AVOID_LAST = 10


def recently_used(pool_ids: Sequence[str], history: Sequence[str], limit: int) -> set[str]:
    """The last `limit` distinct ids of the pool that appear in `history` (oldest first).

    Ids outside the pool (other kinds, other markers, messages since removed) are skipped,
    so a celebration of sleep does not push a celebration of energy out of the window.
    """
    in_pool = set(pool_ids)
    recent: set[str] = set()
    for message_id in reversed(history):
        if len(recent) >= limit:
            break
        if message_id in in_pool:
            recent.add(message_id)
    return recent


def choose(
    candidates: Sequence[Message],
    history: Sequence[str],
    rng: random.Random,
    *,
    avoid_last: int = DEFAULT_AVOID_LAST,
) -> Message:
    """One of `candidates`, avoiding the last `avoid_last` of them in the person's history.

    `history` is the ids sent to this person, oldest first; it may hold any kind. When there
    are too few candidates to avoid `avoid_last` of them, the most recent ones are avoided
    (always at least the last one, so nothing repeats back to back while there is any other
    choice). With one candidate, that one is returned. `rng` makes the choice: pass
    `random.Random(seed)` for a reproducible one. Raises `LookupError` if there are none.
    """
    if not candidates:
        raise LookupError("there are no messages to choose from")
    # Sorted so that the same seed picks the same message whatever order they came in.
    pool = sorted({message.id: message for message in candidates}.values(), key=_by_id)
    # At least 1: "never twice in a row" holds even if a caller passes 0.
    window = min(max(avoid_last, 1), len(pool) - 1)
    recent = recently_used([message.id for message in pool], history, window)
    eligible = [message for message in pool if message.id not in recent]
    return rng.choice(eligible)


def _by_id(message: Message) -> str:
    return message.id
