"""Consent after onboarding: whether it is in force, /privacy's offer to withdraw it, and
withdrawing it, which stops everything at once.

Withdrawing is one transaction: the consent is marked withdrawn, the person is stopped (so
the tick and the dispatcher, which send only to people active now, send them nothing), their
schedules are cleared, their queued messages given up, their open check-ins closed and their
nudges cleared, and nothing is awaited from them. Their data stays until /delete or the
retention purge; /start asks for consent again (`usecases.onboarding.ask_consent_again`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import ChoiceTap
from core.domain import HEALTH_DATA_CONSENT, Patient, PatientStatus, consent_in_force
from core.store.repositories import (
    CheckInRepository,
    ConsentRepository,
    OutboxRepository,
    PatientRepository,
    ScheduleRepository,
)
from messages import settings_texts, texts
from usecases.reaction import Reaction
from usecases.returning import find_patient
from usecases.services import Services

WITHDRAWN_ERROR = "not sent: consent withdrawn"


async def in_force(session: AsyncSession, patient_id: int) -> bool:
    """Whether the person's latest decision on keeping their answers is a yes, not withdrawn."""
    return consent_in_force(
        await ConsentRepository(session).latest(patient_id, HEALTH_DATA_CONSENT)
    )


async def privacy(services: Services, telegram_user_id: int) -> Reaction:
    """/privacy: what N1 keeps; with a button to withdraw consent if it is in force."""
    patient = await find_patient(services, telegram_user_id)
    can_withdraw = False
    if patient is not None:
        async with services.session_factory() as session:
            can_withdraw = await in_force(session, patient.id)
    return Reaction().send("privacy", texts.privacy(can_withdraw))


async def on_choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """/privacy's "withdraw" button ("ask"), then the confirmation's "yes" or "no"."""
    match tap.choice:
        case "ask":
            reaction.answer = ""
            reaction.send("withdraw_prompt", settings_texts.withdraw_prompt())
        case "yes":
            await _withdraw(services, patient, reaction)
        case _:
            reaction.answer = ""
            reaction.send("withdraw_kept", settings_texts.WITHDRAW_KEPT)


async def _withdraw(services: Services, patient: Patient, reaction: Reaction) -> None:
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        withdrawn = await ConsentRepository(session).withdraw(patient.id, HEALTH_DATA_CONSENT, now)
        if withdrawn is None:
            reaction.answer = ""
            reaction.send("nothing_to_withdraw", settings_texts.NOTHING_TO_WITHDRAW)
            return
        patients = PatientRepository(session)
        await patients.update_status(patient.id, PatientStatus.STOPPED, now)
        await patients.set_awaiting(patient.id, None, now)
        await ScheduleRepository(session).stop_all(patient.id, now)
        await OutboxRepository(session).fail_pending_for_patient(patient.id, error=WITHDRAWN_ERROR)
        await CheckInRepository(session).close_all(patient.id)
    reaction.answer = settings_texts.WITHDRAWN_SHORT
    reaction.send("consent_withdrawn", settings_texts.withdrawn(services.retention_months))
