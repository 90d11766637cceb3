"""Noting that a person is here: their schedule back after a quiet spell, with a welcome.

Every command, typed message and tap of someone already set up goes through `note_return`
(inside the caller's transaction): it records that they were active, restores their own
schedule if it had backed off, and then greets them with "welcome back", never with how
long they were away.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Patient, PatientStatus
from core.store.repositories import PatientRepository
from messages import scheduled
from messages.schema import Kind
from scheduler.reachability import note_activity
from scheduler.variants import choose_for
from usecases.reaction import Reaction
from usecases.services import Services


async def find_patient(services: Services, telegram_user_id: int) -> Patient | None:
    """The patient behind a Telegram user, if they have met N1."""
    async with services.session_factory() as session:
        return await PatientRepository(session).get_by_telegram_id(telegram_user_id)


async def note_return(
    session: AsyncSession,
    services: Services,
    patient: Patient,
    reaction: Reaction,
    *,
    seen: bool = False,
) -> Patient:
    """Note that the person is here: their last-seen time (unless `seen`: the caller read
    them with `PatientRepository.seen`), and, after a quiet spell, their own schedule back
    and a welcome. People still onboarding are left as they are."""
    now = services.clock.now()
    if not seen:
        await PatientRepository(session).touch_last_seen(patient.id, now)
    if patient.status is PatientStatus.ONBOARDING:
        return patient
    activity = await note_activity(session, patient, now)
    if activity.welcome_back:
        greeting = await choose_for(
            session,
            patient.id,
            Kind.WELCOME_BACK,
            now,
            lambda history: scheduled.welcome_back(services.catalogue, patient.id, history),
        )
        reaction.send("welcome_back", greeting.text)
    return activity.patient


async def returning(services: Services, patient: Patient, reaction: Reaction) -> Patient:
    """`note_return` in a transaction of its own."""
    async with services.session_factory.begin() as session:
        return await note_return(session, services, patient, reaction)
