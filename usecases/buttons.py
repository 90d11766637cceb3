"""A tap on any button: checked, then handed to the use-case its decoded type belongs to.

Button data is decoded once, by `CallbackCodec` (signed data counts only for the person it
was made for), and routed by its type alone. Every button counts only where it was shown:

- a check-in's buttons on the message the check-in was sent as (its buttons change with
  every answer, so a quick second tap on the same message still counts);
- every other button (a choice in onboarding or /settings, /pause, /delete, withdrawing
  consent, a nudge) only
  if it is one of the buttons Telegram says the tapped message has.

A tap anywhere else, or with data that is malformed, edited or someone else's, changes
nothing and gets a neutral answer.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from core.callbacks import (
    AnswerTap,
    ChoiceTap,
    InvalidCallbackError,
    NoteTap,
    NudgeTap,
    ReviewTap,
)
from core.domain import Patient, PatientStatus
from core.store.repositories import PatientRepository, SecurityEventRepository
from messages import checkin_texts, journey, settings_texts, texts
from usecases import answer_checkin, consent, delete, nudge_reply, onboarding, settings, status
from usecases.reaction import Reaction
from usecases.returning import note_return
from usecases.services import Services


@dataclass(frozen=True)
class Tapped:
    """The message a button was pressed on, as Telegram has it (its text and buttons are
    None and empty when it is too old for Telegram to show)."""

    message_id: int | None
    text: str | None
    # The data of every button the message has now.
    buttons: Collection[str]


async def press(
    services: Services, telegram_user_id: int, data: str | None, tapped: Tapped
) -> Reaction:
    """What pressing a button with `data` on the `tapped` message does."""
    reaction = Reaction()
    async with services.session_factory.begin() as session:
        patient = await PatientRepository(session).seen(telegram_user_id, services.clock.now())
        try:
            tap = services.codec.decode(data, None if patient is None else patient.id)
        except InvalidCallbackError:
            # Malformed, edited or someone else's button data: write nothing but the record.
            await SecurityEventRepository(session).record(
                kind="callback_invalid",
                now=services.clock.now(),
                telegram_user_id=telegram_user_id,
            )
            reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
            return reaction
        if patient is None:
            reaction.answer = settings_texts.NOT_STARTED
            return reaction
        if isinstance(tap, AnswerTap | ReviewTap | NoteTap):
            # The most frequent tap: checked, stored and answered in this one transaction.
            await answer_checkin.on_tap(
                services, session, patient, tap, tapped.message_id, reaction
            )
            return reaction
        if data not in tapped.buttons:
            reaction.answer = journey.BUTTON_NOT_ACTIVE
            return reaction
        patient = await note_return(session, services, patient, reaction, seen=True)
    match tap:
        case NudgeTap():
            await nudge_reply.reply(services, patient, tap, tapped.text, reaction)
        case ChoiceTap():
            await _choice(services, patient, tap, reaction)
    return reaction


async def _choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """A choice on the message that offered it: onboarding, settings, /pause, /delete or
    withdrawing consent."""
    onboarding_now = patient.status is PatientStatus.ONBOARDING
    if tap.step == journey.RESTART:
        if not onboarding_now:
            reaction.answer = settings_texts.ALL_SET_UP
        elif tap.choice == "over":
            await onboarding.begin(services, patient, reaction)
        else:
            await onboarding.resume(services, patient, reaction)
    elif tap.step == settings_texts.DELETE:
        await delete.on_choice(services, patient, tap, reaction)
    elif tap.step == texts.WITHDRAW:
        await consent.on_choice(services, patient, tap, reaction)
    elif tap.step == settings_texts.PAUSE:
        if onboarding_now:
            reaction.answer = journey.STALE_CHOICE
        else:
            await status.on_pause_choice(services, patient, tap, reaction)
    elif onboarding_now:
        await onboarding.on_choice(services, patient, tap, reaction)
    else:
        await settings.on_choice(services, patient, tap, reaction)
