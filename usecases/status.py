"""/pause, /resume, /stop, and /start for someone who is already set up."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.callbacks import ChoiceTap
from core.domain import Patient, PatientStatus
from core.store.repositories import PatientRepository
from messages import settings_texts
from messages.when import in_words
from scheduler.schedules import patient_zone, reschedule
from usecases import onboarding
from usecases.consent import in_force
from usecases.reaction import Reaction
from usecases.services import Services
from usecases.upcoming import next_checkin_in_words

_PAUSES = {"day": timedelta(days=1), "week": timedelta(days=7), "open": None}


async def _change_status(
    services: Services,
    patient: Patient,
    status: PatientStatus,
    *,
    paused_until_at: datetime | None = None,
) -> Patient:
    """Set the status and recompute the schedule to match, in one transaction."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        changed = await PatientRepository(session).update_status(
            patient.id, status, now, paused_until_at=paused_until_at
        )
        assert changed is not None  # the person was read just before
        await reschedule(session, changed, now)
    return changed


async def _asks_consent_first(services: Services, patient: Patient, reaction: Reaction) -> bool:
    """For someone who withdrew consent, nothing restarts before they say yes again: ask
    for it (onboarding's consent step) and say so."""
    async with services.session_factory() as session:
        if await in_force(session, patient.id):
            return False
    await onboarding.ask_consent_again(services, patient, reaction)
    return True


async def ask_pause(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/pause: offer a day, a week, or until they say."""
    del services, patient
    reaction.send("pause_prompt", settings_texts.pause_prompt())


async def on_pause_choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """A pause length was tapped."""
    if tap.choice not in _PAUSES:
        reaction.answer = ""
        return
    if await _asks_consent_first(services, patient, reaction):
        return
    length = _PAUSES[tap.choice]
    until = None if length is None else services.clock.now() + length
    await _change_status(services, patient, PatientStatus.PAUSED, paused_until_at=until)
    reaction.answer = settings_texts.PAUSED_SHORT
    until_words = None if until is None else in_words(until, patient_zone(patient))
    reaction.send("paused", settings_texts.paused(until_words))


async def resume(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/resume, or /start after a pause, a stop or a block: check-ins back on (after a yes
    again, for someone who withdrew consent)."""
    if patient.status is PatientStatus.ACTIVE:
        reaction.send("not_paused", settings_texts.NOT_PAUSED)
        return
    if await _asks_consent_first(services, patient, reaction):
        return
    active = await _change_status(services, patient, PatientStatus.ACTIVE)
    next_in_words = next_checkin_in_words(active, services.clock.now())
    reaction.send("welcome_back", settings_texts.resumed(next_in_words))


async def stop(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/stop: no more messages; data kept; /start brings N1 back."""
    if patient.status is PatientStatus.STOPPED:
        reaction.send("stopped", settings_texts.ALREADY_STOPPED)
        return
    await _change_status(services, patient, PatientStatus.STOPPED)
    reaction.send("stopped", settings_texts.STOPPED)


async def already_set_up(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/start for someone already active."""
    next_in_words = next_checkin_in_words(patient, services.clock.now())
    reaction.send(
        "already_set_up", settings_texts.changed(settings_texts.ALREADY_SET_UP, next_in_words)
    )
