"""/settings: every onboarding choice can be changed, each change confirmed in words."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.onboarding import prompt_for
from bot.flows.preferences import Mode, apply_choice, apply_text
from bot.flows.reaction import Reaction
from bot.flows.upcoming import next_checkins_in_words
from bot.services import Services
from core.callbacks import ChoiceTap
from core.domain import Patient
from core.journey import WEEKDAY_NAMES, Step
from core.ports import OutgoingMessage
from core.store.repositories import ActivityRepository, PatientRepository
from messages import settings_texts

AWAITING_PREFIX = "set:"
# Steps whose prompt needs typing rather than (or as well as) a tap.
_TYPED = {Step.ZONE, Step.DAYS, Step.TIME, Step.SUMMARY_TIME, Step.QUIET, Step.ACTIVITIES}


async def show(services: Services, patient: Patient, reaction: Reaction) -> None:
    """The settings menu with the next three check-ins."""
    async with services.session_factory() as session:
        reaction.send("settings", await _menu(services, session, patient))


async def _menu(services: Services, session: AsyncSession, patient: Patient) -> OutgoingMessage:
    activities = list((await ActivityRepository(session).labels(patient.id)).values())
    return settings_texts.settings_menu(
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


def awaited_step(patient: Patient) -> Step | None:
    """The settings step a typed message is for, if one is awaited."""
    awaiting = patient.awaiting_input or ""
    if awaiting.startswith("days:"):
        return Step.DAYS
    value = awaiting.removeprefix(AWAITING_PREFIX)
    if awaiting.startswith(AWAITING_PREFIX) and value in Step._value2member_map_:
        return Step(value)
    return None


async def on_choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """A tap on the settings menu or on one setting's options."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        patients = PatientRepository(session)
        if tap.step == settings_texts.SETTINGS:
            await _open_setting(services, session, patient, tap.choice, reaction)
            return
        if tap.step not in Step._value2member_map_ or tap.step == Step.CONSENT:
            reaction.answer = settings_texts.ALL_SET_UP
            return
        step = Step(tap.step)
        if step is Step.QUIET and tap.choice == "change":
            await patients.set_awaiting_input(patient.id, AWAITING_PREFIX + step, now)
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
    if field == "pain":
        updated = await patients.set_ask_about_pain(patient.id, not patient.ask_about_pain, now)
        assert updated is not None
        what = (
            "I'll ask how much pain took centre stage now and then"
            if updated.ask_about_pain
            else "I won't ask about pain in check-ins"
        )
        reaction.answer = settings_texts.ALL_SET_UP
        reaction.send("settings_changed", settings_texts.changed(what, _next(services, updated)))
        return
    if field not in Step._value2member_map_ or field == Step.CONSENT:
        return
    step = Step(field)
    if step in _TYPED:
        await patients.set_awaiting_input(patient.id, AWAITING_PREFIX + step, now)
    activities = list((await ActivityRepository(session).labels(patient.id)).values())
    if step is Step.ACTIVITIES:
        reaction.send("settings_prompt", settings_texts.ACTIVITIES_PROMPT)
    else:
        reaction.send("settings_prompt", prompt_for(step, patient, activities))
    reaction.answer = ""


def _next(services: Services, patient: Patient) -> str | None:
    upcoming = next_checkins_in_words(patient, services.clock.now(), 1)
    return upcoming[0] if upcoming else None


async def _confirm(
    services: Services, session: AsyncSession, patient: Patient, step: Step, reaction: Reaction
) -> None:
    now = services.clock.now()
    await PatientRepository(session).set_awaiting_input(patient.id, None, now)
    await services.reschedule(session, patient, now)
    activities = list((await ActivityRepository(session).labels(patient.id)).values())
    match step:
        case Step.ZONE:
            what = f"your time zone is now {patient.time_zone}"
        case Step.DAYS:
            what = f"your check-ins are now {settings_texts.describe_days(patient.checkin_days)}"
        case Step.TIME:
            what = f"your check-ins are now at {patient.checkin_time}"
        case Step.SUMMARY_DAY | Step.SUMMARY_TIME:
            day = WEEKDAY_NAMES[patient.summary_weekday]
            what = f"your weekly summary now comes on {day} at {patient.summary_time}"
        case Step.QUIET:
            what = f"quiet hours are now {patient.quiet_start} to {patient.quiet_end}"
        case _:
            what = "what matters to you is now: " + "; ".join(activities)
    reaction.answer = reaction.answer or settings_texts.ALL_SET_UP
    reaction.send("settings_changed", settings_texts.changed(what, _next(services, patient)))
