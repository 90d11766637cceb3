"""The security audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import SecurityEvent
from core.store import records
from core.store.repositories._common import clip, columns
from core.store.tables import SecurityEventRow


class SecurityEventRepository:
    """Appends security events; never commits. `detail` must never hold health data."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        kind: str,
        now: datetime,
        telegram_user_id: int | None = None,
        detail: str | None = None,
    ) -> SecurityEvent:
        """Record an event (e.g. "callback_forged") and return it."""
        statement = (
            insert(SecurityEventRow)
            .values(
                kind=kind, telegram_user_id=telegram_user_id, detail=clip(detail), created_at=now
            )
            .returning(*columns(SecurityEventRow))
        )
        return records.security_event((await self._session.execute(statement)).mappings().one())
