"""Recording which message shows a check-in sent as a reply (the baseline, /checkin).

Its buttons count only on that message: taps are checked against it
(`usecases.answer_checkin`).
"""

from __future__ import annotations

from collections.abc import Mapping

from core.store.repositories import CheckInRepository
from core.store.repositories.check_ins import SentCheckIn
from usecases.services import Services


async def record_shown(services: Services, check_in_messages: Mapping[int, int]) -> None:
    """Check-in id -> the message now showing it (one transaction)."""
    if not check_in_messages:
        return
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        await CheckInRepository(session).mark_sent_many(
            [
                SentCheckIn(check_in_id, now, message_id)
                for check_in_id, message_id in check_in_messages.items()
            ]
        )
