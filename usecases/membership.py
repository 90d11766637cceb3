"""A person blocking the bot (stop writing to them) or unblocking it (schedule them again)."""

from __future__ import annotations

import logging

from core.store.repositories import PatientRepository
from scheduler.reachability import mark_unreachable, restore_reachability
from usecases.services import Services

logger = logging.getLogger(__name__)


async def blocked(services: Services, telegram_user_id: int) -> None:
    """They blocked the bot or deleted the chat."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        patient = await PatientRepository(session).get_by_telegram_id(telegram_user_id)
        if patient is not None:
            await mark_unreachable(session, patient.id, now)
            logger.info("patient %d blocked the bot", patient.id)


async def unblocked(services: Services, telegram_user_id: int) -> None:
    """They unblocked the bot."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        patient = await PatientRepository(session).get_by_telegram_id(telegram_user_id)
        if patient is not None:
            await restore_reachability(session, patient.id, now)
            logger.info("patient %d unblocked the bot", patient.id)
