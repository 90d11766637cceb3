"""PTB handlers for a patient's 1:1 journey: they find the person, call a flow, perform it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.commands import CommandCallback
from bot.context import N1Context
from bot.flows import checkin, onboarding, privacy, safety, settings, status, summary
from bot.flows.reaction import Reaction
from bot.reactions import perform
from bot.services import Services
from core.callbacks import ChoiceTap, InvalidCallbackError, NudgeTap
from core.domain import Patient, PatientStatus
from core.journey import FOCUS_PREFIX
from core.store.repositories import PatientRepository, SecurityEventRepository
from core.usecases.registration import register_patient
from messages import checkin_texts, journey, settings_texts, texts

Flow = Callable[[Services, Patient, Reaction], Awaitable[None]]


async def _returning(services: Services, patient: Patient, reaction: Reaction) -> Patient:
    """Note that the person is here; after a quiet spell, greet them first, without counting."""
    if patient.status is PatientStatus.ONBOARDING:
        return patient
    async with services.session_factory.begin() as session:
        return await checkin.note_return(
            session, services, patient, services.clock.now(), reaction
        )


async def _patient(services: Services, telegram_user_id: int) -> Patient | None:
    async with services.session_factory() as session:
        return await PatientRepository(session).get_by_telegram_id(telegram_user_id)


def _ids(update: Update) -> tuple[int, int] | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return None
    return user.id, chat.id


async def start(update: Update, context: N1Context) -> None:
    """/start: onboarding for someone new; for others, carry on, or welcome them back."""
    ids = _ids(update)
    if ids is None:
        return
    services = context.services
    join_code = context.args[0][:32] if context.args else None
    registration = await register_patient(
        services.session_factory, services.clock, *ids, join_code=join_code
    )
    patient, reaction = registration.patient, Reaction()
    if not registration.is_new:
        patient = await _returning(services, patient, reaction)
    if registration.is_new:
        if join_code is not None:
            # No cohort has this code (cohorts come later); it is kept to attach them then.
            reaction.send("join_code_unknown", journey.JOIN_CODE_UNKNOWN)
        await onboarding.begin(services, patient, reaction)
    elif patient.status is PatientStatus.ONBOARDING:
        reaction.send("onboarding", journey.resume_or_restart())
    elif patient.status is PatientStatus.ACTIVE:
        await status.already_set_up(services, patient, reaction)
    else:
        await status.resume(services, patient, reaction)
    await perform(update, context, reaction)


def patient_command(flow: Flow, *, during_onboarding: bool = False) -> CommandCallback:
    """A command for someone who has met N1; others get a kind pointer to /start."""

    async def handler(update: Update, context: N1Context) -> None:
        ids = _ids(update)
        if ids is None:
            return
        services, reaction = context.services, Reaction()
        patient = await _patient(services, ids[0])
        if patient is None:
            reaction.send("not_started", settings_texts.NOT_STARTED)
        elif patient.status is PatientStatus.ONBOARDING and not during_onboarding:
            reaction.send("onboarding", journey.FINISH_SETUP_FIRST)
            await onboarding.resume(services, patient, reaction)
        else:
            await flow(services, await _returning(services, patient, reaction), reaction)
        await perform(update, context, reaction)

    handler.__doc__ = flow.__doc__
    return handler


async def _pause(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/pause: a day, a week, or until they resume."""
    del services
    await status.ask_pause(patient, reaction)


checkin_command = patient_command(checkin.on_demand)
settings_command = patient_command(settings.show)
pause_command = patient_command(_pause)
resume_command = patient_command(status.resume)
stop_command = patient_command(status.stop, during_onboarding=True)
export_command = patient_command(privacy.export, during_onboarding=True)
summary_command = patient_command(summary.show)
delete_command = patient_command(privacy.ask_delete, during_onboarding=True)


async def text(update: Update, context: N1Context) -> None:
    """Typed text: an onboarding answer, a note, a setting, or else a pointer to /help."""
    ids = _ids(update)
    message = update.effective_message
    if ids is None or message is None or message.text is None:
        return
    services, reaction = context.services, Reaction()
    patient = await _patient(services, ids[0])
    typed = message.text
    # Safety first: the signposting message comes before anything else N1 says.
    concern = await safety.check(services, ids[0], patient, typed, reaction)
    if patient is not None:
        patient = await _returning(services, patient, reaction)
    if patient is None:
        if concern is None:
            reaction.send("not_understood", texts.NOT_UNDERSTOOD)
    elif patient.status is PatientStatus.ONBOARDING:
        await onboarding.on_text(services, patient, typed, reaction)
    elif (patient.awaiting_input or "").startswith(FOCUS_PREFIX):
        await summary.on_focus(services, patient, typed, reaction)
    elif (patient.awaiting_input or "").startswith(checkin.NOTE_PREFIX):
        await checkin.on_note(services, patient, typed, reaction)
    elif (step := settings.awaited_step(patient)) is not None:
        await settings.on_text(services, patient, step, typed, reaction)
    elif concern is None:
        reaction.send("not_understood", texts.NOT_UNDERSTOOD)
    await perform(update, context, reaction)


async def button(update: Update, context: N1Context) -> None:
    """Any button tap: checked, then routed to the flow it belongs to."""
    query = update.callback_query
    ids = _ids(update)
    if query is None or ids is None:
        if query is not None:
            await query.answer()
        return
    services, reaction = context.services, Reaction()
    if checkin.named_check_in(query.data) is not None:
        # The most frequent tap: read, checked and written in one transaction.
        message_id = query.message.message_id if query.message else None
        await checkin.on_button(services, ids[0], query.data, message_id, reaction)
        await perform(update, context, reaction)
        return
    patient = await _patient(services, ids[0])
    try:
        tap = services.codec.decode(query.data, patient.id if patient else None)
    except InvalidCallbackError:
        await _forged(services, ids[0], reaction)
    else:
        if patient is not None:
            patient = await _returning(services, patient, reaction)
        if patient is None:
            reaction.answer = settings_texts.NOT_STARTED[:60]
        elif isinstance(tap, ChoiceTap):
            await _choice(services, patient, tap, reaction)
        elif isinstance(tap, NudgeTap):
            reaction.answer = ""
        else:
            # Check-in data with an id too long to be N1's, yet signed: treat as forged.
            await _forged(services, ids[0], reaction)
    await perform(update, context, reaction)


async def _forged(services: Services, telegram_user_id: int, reaction: Reaction) -> None:
    """Malformed, edited or someone else's button data: write nothing, note the event."""
    async with services.session_factory.begin() as session:
        await SecurityEventRepository(session).record(
            kind="callback_invalid", now=services.clock.now(), telegram_user_id=telegram_user_id
        )
    reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK


async def _choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    if tap.step == "restart":
        if patient.status is not PatientStatus.ONBOARDING:
            reaction.answer = settings_texts.ALL_SET_UP
        elif tap.choice == "over":
            await onboarding.begin(services, patient, reaction)
        else:
            await onboarding.resume(services, patient, reaction)
    elif tap.step == settings_texts.DELETE:
        await privacy.on_delete_choice(services, patient, tap, reaction)
    elif tap.step == settings_texts.PAUSE:
        if patient.status is PatientStatus.ONBOARDING:
            reaction.answer = journey.STALE_CHOICE
        else:
            await status.on_pause_choice(services, patient, tap, reaction)
    elif patient.status is PatientStatus.ONBOARDING:
        await onboarding.on_choice(services, patient, tap, reaction)
    else:
        await settings.on_choice(services, patient, tap, reaction)
