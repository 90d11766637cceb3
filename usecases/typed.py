"""Something typed: screened for safety first, then handed on by what N1 is waiting for.

Typed text is an onboarding answer, a note for a check-in, the answer to "a little more
of next week?", a new value for a setting, or else nothing N1 asked for.
"""

from __future__ import annotations

from core.conversation import AwaitingFocus, AwaitingNote, AwaitingSetting, PickingDays
from core.domain import PatientStatus
from core.journey import Step
from messages import texts
from usecases import onboarding, safety, settings, summary
from usecases.add_note import add_note
from usecases.reaction import Reaction
from usecases.returning import find_patient, returning
from usecases.services import Services


async def on_text(services: Services, telegram_user_id: int, text: str) -> Reaction:
    """What typing `text` does."""
    patient = await find_patient(services, telegram_user_id)
    reaction = Reaction()
    # Safety first: the signposting message comes before anything else N1 says.
    screening = await safety.check(services, patient, text, reaction)
    if patient is not None:
        patient = await returning(services, patient, reaction)
    if patient is None:
        if not screening.matched:
            reaction.send("not_understood", texts.NOT_UNDERSTOOD)
    elif patient.status is PatientStatus.ONBOARDING:
        await onboarding.on_text(services, patient, text, reaction)
    else:
        match patient.awaiting:
            case AwaitingFocus():
                await summary.keep_focus(services, patient, text, reaction)
            case AwaitingNote() as awaiting:
                await add_note(services, patient, awaiting, text, reaction)
            case AwaitingSetting(step):
                await settings.on_text(services, patient, step, text, reaction)
            case PickingDays():
                await settings.on_text(services, patient, Step.DAYS, text, reaction)
            case None if not screening.matched:
                reaction.send("not_understood", texts.NOT_UNDERSTOOD)
    return reaction
