"""/start: meeting someone new, or picking up where someone left off."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from core.domain import Patient, PatientStatus
from core.store.repositories import PatientRepository
from messages import journey
from usecases import onboarding, status
from usecases.reaction import Reaction
from usecases.returning import note_return
from usecases.services import Services

MAX_JOIN_CODE = 32


async def start(
    services: Services, telegram_user_id: int, chat_id: int, join_code: str | None
) -> Reaction:
    """Onboarding for someone new; for others, carry on, or welcome them back."""
    join_code = join_code[:MAX_JOIN_CODE] if join_code else None
    reaction = Reaction()
    patient, is_new = await _register(services, telegram_user_id, chat_id, join_code, reaction)
    if is_new:
        if join_code is not None:
            # No cohort has this code (cohorts come later); it is kept to attach them then.
            reaction.send("join_code_unknown", journey.JOIN_CODE_UNKNOWN)
        await onboarding.begin(services, patient, reaction)
        return reaction
    if patient.status is PatientStatus.ONBOARDING:
        reaction.send("onboarding", journey.resume_or_restart())
    elif patient.status is PatientStatus.ACTIVE:
        await status.already_set_up(services, patient, reaction)
    else:
        await status.resume(services, patient, reaction)
    return reaction


async def _register(
    services: Services,
    telegram_user_id: int,
    chat_id: int,
    join_code: str | None,
    reaction: Reaction,
) -> tuple[Patient, bool]:
    """The patient for this Telegram user, created if new (nothing about their health);
    someone N1 knows is noted as here (`note_return`)."""
    try:
        return await _find_or_create(services, telegram_user_id, chat_id, join_code, reaction)
    except IntegrityError:
        # Two /start updates from a new person raced; the other one created the row.
        return await _find_or_create(services, telegram_user_id, chat_id, join_code, reaction)


async def _find_or_create(
    services: Services,
    telegram_user_id: int,
    chat_id: int,
    join_code: str | None,
    reaction: Reaction,
) -> tuple[Patient, bool]:
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        patients = PatientRepository(session)
        existing = await patients.seen(telegram_user_id, now)
        if existing is not None:
            return await note_return(session, services, existing, reaction, seen=True), False
        patient = await patients.add(
            telegram_user_id=telegram_user_id, chat_id=chat_id, now=now, join_code=join_code
        )
        return patient, True
