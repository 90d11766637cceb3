"""Onboarding after /start: consent, time zone, days, times, quiet hours, activities, then a
first check-in as the baseline.

The current step is kept on the patient row, so a restart in the middle resumes at the same
step. Each public function owns its transaction.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import ChoiceTap
from core.domain import HEALTH_DATA_CONSENT, CheckInSlot, Patient, PatientStatus
from core.journey import CONSENT_VERSION, Step, next_step
from core.ports import OutgoingMessage
from core.store.repositories import (
    ActivityRepository,
    ConsentRepository,
    ErasureRepository,
    PatientRepository,
)
from core.store.repositories.erasure import the_patient
from messages import journey, texts
from messages.checkin_message import render_checkin
from scheduler.checkins import CheckInRequest, open_to_show
from scheduler.schedules import local_today, reschedule, window_from
from usecases.preferences import Mode, apply_choice, apply_text
from usecases.reaction import Reaction
from usecases.services import Services
from usecases.upcoming import next_checkins_in_words


def prompt_for(step: Step, patient: Patient, activities: list[str]) -> OutgoingMessage:
    """The message that asks for `step`."""
    match step:
        case Step.CONSENT:
            return journey.consent_prompt()
        case Step.ZONE:
            return journey.zone_prompt()
        case Step.DAYS:
            return journey.days_prompt()
        case Step.TIME | Step.SUMMARY_TIME:
            return journey.time_prompt(step)
        case Step.SUMMARY_DAY:
            return journey.summary_day_prompt()
        case Step.QUIET:
            return journey.quiet_prompt(patient.quiet_start, patient.quiet_end)
        case Step.ACTIVITIES:
            return journey.activities_prompt(activities)


async def stored_prompt(session: AsyncSession, patient: Patient, step: Step) -> OutgoingMessage:
    """`prompt_for` with the person's activities as stored."""
    activities = list((await ActivityRepository(session).labels(patient.id)).values())
    return prompt_for(step, patient, activities)


def current_step(patient: Patient) -> Step:
    """The onboarding step the person is on."""
    return Step(patient.onboarding_step or Step.CONSENT)


async def begin(services: Services, patient: Patient, reaction: Reaction) -> None:
    """Introduce N1 and ask for consent (someone new, or starting over)."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        patients = PatientRepository(session)
        await patients.set_onboarding_step(patient.id, Step.CONSENT, now)
        await patients.set_awaiting(patient.id, None, now)
    reaction.send("intro", texts.INTRO).send("consent", journey.consent_prompt())


async def ask_consent_again(services: Services, patient: Patient, reaction: Reaction) -> None:
    """Someone who withdrew consent wants N1 back: onboarding again, from its consent step."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        patients = PatientRepository(session)
        await patients.update_status(patient.id, PatientStatus.ONBOARDING, now)
        await patients.set_onboarding_step(patient.id, Step.CONSENT, now)
    reaction.send("consent", journey.consent_prompt())


async def resume(services: Services, patient: Patient, reaction: Reaction) -> None:
    """Show the step the person had reached."""
    async with services.session_factory() as session:
        reaction.send("onboarding", await stored_prompt(session, patient, current_step(patient)))


async def on_choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """A button tapped during onboarding (on the message that showed it)."""
    step = current_step(patient)
    if tap.step != step.value:
        reaction.answer = journey.STALE_CHOICE
        await resume(services, patient, reaction)
        return
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        if step is Step.CONSENT:
            await _consent(services, session, patient, tap.choice == "yes", reaction)
            return
        updated = await apply_choice(session, patient, step, tap.choice, now, reaction)
        if updated is not None:
            reaction.answer = reaction.answer or journey.CHOICE_NOTED
            await _advance(services, session, updated, reaction)


async def on_text(services: Services, patient: Patient, text: str, reaction: Reaction) -> None:
    """Something typed during onboarding: a city, days, a time, quiet hours, an activity."""
    step = current_step(patient)
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        updated = await apply_text(session, patient, step, text, now, Mode.ONBOARDING, reaction)
        if updated is not None:
            await _advance(services, session, updated, reaction)


async def _consent(
    services: Services, session: AsyncSession, patient: Patient, granted: bool, reaction: Reaction
) -> None:
    now = services.clock.now()
    reaction.answer = journey.CHOICE_NOTED
    if not granted:
        await _decline(services, session, patient, reaction)
        return
    await ConsentRepository(session).record(
        patient_id=patient.id,
        kind=HEALTH_DATA_CONSENT,
        version=CONSENT_VERSION,
        granted=True,
        now=now,
    )
    await _advance(services, session, patient, reaction)


async def _decline(
    services: Services, session: AsyncSession, patient: Patient, reaction: Reaction
) -> None:
    """ "No" stores nothing: someone new is erased (only their onboarding row exists);
    someone asked again after withdrawing stays stopped, with what they gave before kept
    until /delete."""
    if await ConsentRepository(session).latest(patient.id, HEALTH_DATA_CONSENT) is None:
        await ErasureRepository(session).erase(the_patient(patient.id))
        reaction.send("consent_declined", journey.DECLINED)
        return
    now = services.clock.now()
    patients = PatientRepository(session)
    await patients.set_onboarding_step(patient.id, None, now)
    await patients.update_status(patient.id, PatientStatus.STOPPED, now)
    reaction.send("consent_declined", journey.DECLINED_AGAIN)


async def _advance(
    services: Services, session: AsyncSession, patient: Patient, reaction: Reaction
) -> None:
    """Move to the step after the current one, or finish onboarding."""
    step = next_step(current_step(patient))
    if step is None:
        await _finish(services, session, patient, reaction)
        return
    updated = await PatientRepository(session).set_onboarding_step(
        patient.id, step, services.clock.now()
    )
    assert updated is not None  # read in this transaction
    reaction.send("onboarding", await stored_prompt(session, updated, step))


async def _finish(
    services: Services, session: AsyncSession, patient: Patient, reaction: Reaction
) -> None:
    """Turn check-ins on and send the first one, as a baseline."""
    now = services.clock.now()
    patients = PatientRepository(session)
    await patients.set_onboarding_step(patient.id, None, now)
    active = await patients.update_status(patient.id, PatientStatus.ACTIVE, now)
    assert active is not None
    await reschedule(session, active, now)
    reaction.send("onboarding_done", journey.all_set(next_checkins_in_words(active, now)))
    request = CheckInRequest(
        patient=active,
        local_date=local_today(active, now),
        slot=CheckInSlot.BASELINE,
        closes_at=window_from(active, now),
    )
    state = await open_to_show(session, request, now=now)
    reaction.send("checkin", render_checkin(state, services.codec), state.check_in.id)
