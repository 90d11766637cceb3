"""What N1 does when typed text may signal a red flag or a crisis.

The fixed signposting message goes first; a safety event is recorded (without the text);
after crisis language, nudges stop for the rest of the person's day. N1 never diagnoses.
"""

from __future__ import annotations

from core.domain import Patient
from core.safety import Concern, screen
from core.store.repositories import PatientRepository, SecurityEventRepository
from messages.schema import SafetySituation
from scheduler.schedules import end_of_local_day
from usecases.reaction import Reaction
from usecases.services import Services


async def check(
    services: Services,
    telegram_user_id: int,
    patient: Patient | None,
    text: str,
    reaction: Reaction,
) -> Concern | None:
    """Screen `text`; on a concern, add the signposting message and record the event."""
    concern = screen(text)
    if concern is None:
        return None
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        await SecurityEventRepository(session).record(
            kind=f"safety_{concern.value}", now=now, telegram_user_id=telegram_user_id
        )
        if concern is Concern.CRISIS and patient is not None:
            until = end_of_local_day(patient, now)
            await PatientRepository(session).pause_nudges(patient.id, until, now)
    message = services.catalogue.safety(SafetySituation(concern.value))
    reaction.send(f"safety_{concern.value}", message.text)
    return concern
