"""A command from someone who has met N1; others get a kind pointer to /start."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.domain import Patient, PatientStatus
from messages import journey, settings_texts
from usecases import onboarding
from usecases.reaction import Reaction
from usecases.returning import find_patient, returning
from usecases.services import Services

Flow = Callable[[Services, Patient, Reaction], Awaitable[None]]


async def as_patient(
    services: Services, telegram_user_id: int, flow: Flow, *, during_onboarding: bool = False
) -> Reaction:
    """Run `flow` for the person; in the middle of onboarding, only if `during_onboarding`
    (/stop, /export, /delete), else they are shown where they were."""
    patient = await find_patient(services, telegram_user_id)
    reaction = Reaction()
    if patient is None:
        reaction.send("not_started", settings_texts.NOT_STARTED)
    elif patient.status is PatientStatus.ONBOARDING and not during_onboarding:
        reaction.send("onboarding", journey.FINISH_SETUP_FIRST)
        await onboarding.resume(services, patient, reaction)
    else:
        await flow(services, await returning(services, patient, reaction), reaction)
    return reaction
