"""What a started bot holds, built when the application starts (inside its event loop)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from usecases.services import Services


@dataclass(frozen=True)
class Running:
    """The store's engine, the use-cases' services, and counts of what the bot sent."""

    engine: AsyncEngine
    services: Services
    # Counts of what the bot sent, by kind (never the text): read by `n1 demo` for its report.
    sent_by_kind: Counter[str] = field(default_factory=Counter)
