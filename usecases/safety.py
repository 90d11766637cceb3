"""What N1 does when typed text may need care now, care today, or crisis support.

Each matched category's fixed signposting message goes first (emergency, then crisis, then
urgent); a safety event per category is recorded (category and time, never the text), tied
to the person only while they consent to N1 keeping their health data; and nudges stop for
the rest of the person's day. N1 never diagnoses.
"""

from __future__ import annotations

from core.domain import Patient
from core.safety import Screening, screen
from core.store.repositories import PatientRepository, SafetyEventRepository
from messages.schema import SafetySituation
from scheduler.schedules import end_of_local_day
from usecases.consent import in_force
from usecases.reaction import Reaction
from usecases.services import Services


async def check(
    services: Services, patient: Patient | None, text: str, reaction: Reaction
) -> Screening:
    """Screen `text`; on a match, add the signposting messages and record the events."""
    screening = screen(text)
    if not screening.matched:
        return screening
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        # Without consent (not given yet, or withdrawn) the event is kept unattributed.
        owner = patient.id if patient is not None and await in_force(session, patient.id) else None
        events = SafetyEventRepository(session)
        for category in screening.categories:
            await events.record(patient_id=owner, category=category, now=now)
        if patient is not None:
            until = end_of_local_day(patient, now)
            await PatientRepository(session).pause_nudges(patient.id, until, now)
    for category in screening.categories:
        message = services.catalogue.safety(SafetySituation(category.value))
        reaction.send(f"safety_{category.value}", message.text)
    return screening
