"""/settings: every onboarding choice can be changed, each change confirmed in words."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import ChoiceTap
from core.conversation import AwaitingSetting
from core.domain import Patient
from core.journey import Step, step_named
from core.store.repositories import ActivityRepository, PatientRepository
from messages import settings_texts
from scheduler.schedules import reschedule
from usecases.onboarding import stored_prompt
from usecases.preferences import Mode, apply_choice, apply_text
from usecases.reaction import Reaction
from usecases.services import Services
from usecases.upcoming import next_checkin_in_words, next_checkins_in_words

# Steps whose prompt needs typing rather than (or as well as) a tap.
_TYPED = {Step.ZONE, Step.DAYS, Step.TIME, Step.SUMMARY_TIME, Step.QUIET, Step.ACTIVITIES}


async def _activities(session: AsyncSession, patient: Patient) -> list[str]:
    return list((await ActivityRepository(session).labels(patient.id)).values())


async def show(services: Services, patient: Patient, reaction: Reaction) -> None:
    """The settings menu with the next three check-ins."""
    async with services.session_factory() as session:
        activities = await _activities(session, patient)
    menu = settings_texts.settings_menu(
        zone=patient.time_zone,
        days_mask=patient.checkin_days,
        checkin_time=patient.checkin_time,
        summary_weekday=patient.summary_weekday,
        summary_time=patient.summary_time,
        quiet=(patient.quiet_start, patient.quiet_end),
        activities=activities,
        ask_about_pain=patient.ask_about_pain,
        upcoming=next_checkins_in_words(patient, services.clock.now(), 3),
    )
    reaction.send("settings", menu)


async def on_choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """A tap on the settings menu or on one setting's options."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        if tap.step == settings_texts.SETTINGS:
            await _open_setting(services, session, patient, tap.choice, reaction)
            return
        step = step_named(tap.step)
        if step is None or step is Step.CONSENT:
            reaction.answer = settings_texts.ALL_SET_UP
            return
        if step is Step.QUIET and tap.choice == "change":
            await PatientRepository(session).set_awaiting(patient.id, AwaitingSetting(step), now)
        updated = await apply_choice(session, patient, step, tap.choice, now, reaction)
        if updated is not None:
            await _confirm(services, session, updated, step, reaction)


async def on_text(
    services: Services, patient: Patient, step: Step, text: str, reaction: Reaction
) -> None:
    """Typed text for the setting being changed."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        updated = await apply_text(session, patient, step, text, now, Mode.SETTINGS, reaction)
        if updated is not None:
            await _confirm(services, session, updated, step, reaction)


async def _open_setting(
    services: Services, session: AsyncSession, patient: Patient, field: str, reaction: Reaction
) -> None:
    now = services.clock.now()
    patients = PatientRepository(session)
    if field == settings_texts.PAIN:
        updated = await patients.set_ask_about_pain(patient.id, not patient.ask_about_pain, now)
        assert updated is not None
        reaction.answer = settings_texts.ALL_SET_UP
        what = settings_texts.pain_question(updated.ask_about_pain)
        reaction.send(
            "settings_changed",
            settings_texts.changed(what, next_checkin_in_words(updated, now)),
        )
        return
    step = step_named(field)
    if step is None or step is Step.CONSENT:
        return
    if step in _TYPED:
        await patients.set_awaiting(patient.id, AwaitingSetting(step), now)
    if step is Step.ACTIVITIES:
        reaction.send("settings_prompt", settings_texts.ACTIVITIES_PROMPT)
    else:
        reaction.send("settings_prompt", await stored_prompt(session, patient, step))
    reaction.answer = ""


async def _confirm(
    services: Services, session: AsyncSession, patient: Patient, step: Step, reaction: Reaction
) -> None:
    now = services.clock.now()
    await PatientRepository(session).set_awaiting(patient.id, None, now)
    await reschedule(session, patient, now)
    what = settings_texts.setting_now(
        step,
        zone=patient.time_zone,
        days_mask=patient.checkin_days,
        checkin_time=patient.checkin_time,
        summary_weekday=patient.summary_weekday,
        summary_time=patient.summary_time,
        quiet=(patient.quiet_start, patient.quiet_end),
        activities=await _activities(session, patient),
    )
    reaction.answer = reaction.answer or settings_texts.ALL_SET_UP
    reaction.send(
        "settings_changed", settings_texts.changed(what, next_checkin_in_words(patient, now))
    )
