"""What the use-cases need at run time, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import Clock
from messages.catalogue import Catalogue


@dataclass(frozen=True)
class Services:
    """The clock, the store, the button codec, the message library and the retention period
    one bot shares."""

    clock: Clock
    session_factory: async_sessionmaker[AsyncSession]
    # Signs and checks button data; its key comes from N1_SECRET_KEY or the bot token.
    codec: CallbackCodec
    # Every word N1 varies, loaded and checked at start (with a clinic's overrides).
    catalogue: Catalogue
    # How long N1 keeps the data of someone it has not heard from (N1_RETENTION_MONTHS).
    retention_months: int
