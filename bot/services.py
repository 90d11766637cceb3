"""What handlers and jobs need at run time, built once by the composition root."""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import Clock
from core.domain import Patient
from core.settings import Settings
from messages.catalogue import Catalogue


@dataclass
class Services:
    """The settings, clock and store that one running bot shares."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    # Signs and checks button data; its key comes from N1_SECRET_KEY or the bot token.
    codec: CallbackCodec
    # Recomputes a person's schedule rows after their preferences or status change, inside
    # the caller's transaction. Wired to the scheduler by the composition root.
    reschedule: Callable[[AsyncSession, Patient, datetime], Awaitable[None]]
    # Every word N1 varies, loaded and checked at start (with a clinic's overrides).
    catalogue: Catalogue
    # Counts of what the bot sent, by kind (never the text): read by `n1 demo` for its report.
    sent_by_kind: Counter[str] = field(default_factory=Counter)
