"""Answering a check-in: a tap on an answer, "skip", "back", "change an answer" or "add a
note", on the check-in's own message.

A tap is applied only when it is the person's own check-in (the button data is signed for
them: `usecases.buttons` checked that), it was pressed on the message the check-in was sent
as, the check-in is still open, and they agreed to N1 keeping their answers. The answer is
stored with one upsert; a later tap changes it. A tap is one short transaction of a few
statements: the person, the check-in with its answers, their consent, the answer.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from core.callbacks import AnswerTap, NoteTap, ReviewTap
from core.checkin_items import is_activity, valid_value
from core.conversation import AwaitingNote
from core.domain import HEALTH_DATA_CONSENT, CheckIn, Patient, consent_in_force
from core.markers import MarkerId
from core.ports import OutgoingMessage
from core.store.repositories import (
    ActivityRepository,
    CheckInRepository,
    PatientRepository,
    SecurityEventRepository,
)
from messages import checkin_texts, scheduled
from messages.checkin_message import first_open_item, render_checkin, state_of
from messages.schema import Kind
from scheduler.variants import choose_for
from usecases.reaction import Reaction
from usecases.returning import note_return
from usecases.services import Services
from usecases.upcoming import next_checkin_in_words

CheckInTap = AnswerTap | ReviewTap | NoteTap


async def on_tap(
    services: Services,
    session: AsyncSession,
    patient: Patient,
    tap: CheckInTap,
    tapped_message_id: int | None,
    reaction: Reaction,
) -> None:
    """A verified tap on one of the person's check-in buttons, inside the tap's transaction
    (`usecases.buttons.press`: the most frequent thing N1 does, read and written at once).
    The person was read with `PatientRepository.seen`, which touched their last-seen time."""
    now = services.clock.now()
    patient = await note_return(session, services, patient, reaction, seen=True)
    found = await CheckInRepository(session).for_answering(tap.check_in_id, HEALTH_DATA_CONSENT)
    if found is None or found.check_in.patient_id != patient.id:
        await _security_event(services, session, "callback_not_owned", patient)
        reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
        return
    check_in, answers = found.check_in, found.answers
    sent_as = check_in.telegram_message_id
    if sent_as is not None and tapped_message_id != sent_as:
        # Valid data for this person, but pressed on a message it was not sent with.
        await _security_event(services, session, "callback_replayed", patient)
        reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
        return
    activities = await _activities(session, check_in)
    consented = consent_in_force(found.consent)
    if not (consented and check_in.is_open(now)):
        # Nothing more is taken: the message keeps what was answered, without its buttons.
        closed = render_checkin(state_of(check_in, answers, activities), services.codec)
        reaction.edit = OutgoingMessage(closed.text)
    if not consented:  # never agreed, or withdrew: said first, whatever the check-in's state
        reaction.answer = checkin_texts.NO_CONSENT_SHORT
        reaction.send("no_consent", checkin_texts.NO_CONSENT)
        return
    if not check_in.is_open(now):
        reaction.answer = checkin_texts.CLOSED_SHORT
        next_in_words = next_checkin_in_words(patient, now) or checkin_texts.NO_NEXT_CHECKIN
        reaction.send("checkin_closed", checkin_texts.closed(next_in_words))
        return
    await _apply(services, session, patient, check_in, answers, activities, tap, reaction)


async def _activities(session: AsyncSession, check_in: CheckIn) -> Mapping[int, str]:
    """The person's own words for their activities, read only if the check-in asks them."""
    if not any(is_activity(item) for item in check_in.items):
        return {}
    return await ActivityRepository(session).labels(check_in.patient_id)


async def _apply(
    services: Services,
    session: AsyncSession,
    patient: Patient,
    check_in: CheckIn,
    before: Mapping[str, int | None],
    activities: Mapping[int, str],
    tap: CheckInTap,
    reaction: Reaction,
) -> None:
    now = services.clock.now()
    if isinstance(tap, NoteTap):
        await PatientRepository(session).set_awaiting(patient.id, AwaitingNote(check_in.id), now)
        reaction.answer = checkin_texts.NOTE_SHORT
        reaction.send("note_prompt", checkin_texts.NOTE_PROMPT)
        return
    if tap.item_index >= len(check_in.items):
        await _security_event(services, session, "callback_bad_item", patient)
        reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
        return
    if isinstance(tap, ReviewTap):
        state = state_of(check_in, before, activities, showing=tap.item_index)
        reaction.edit = render_checkin(state, services.codec)
        reaction.answer = ""
        return
    item = check_in.items[tap.item_index]
    if tap.value is not None and not valid_value(item, tap.value):
        await _security_event(services, session, "callback_bad_value", patient)
        reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
        return
    was_open = first_open_item(check_in, before) is not None
    await CheckInRepository(session).record_answer(check_in, item=item, value=tap.value, now=now)
    # The stored answers are the ones read in this transaction plus this one: the person's
    # taps are handled one at a time (see bot.update_order), and SQLite's write lock or the
    # answer's unique key keeps the row itself right whatever happens elsewhere.
    answers = {**before, item: tap.value}
    state = state_of(check_in, answers, activities)
    if state.showing is None:
        # The thanks is chosen once, when the last item is answered; a later change just
        # says it is saved, so the message does not shuffle its words on every tap.
        closing = (
            await _acknowledgement(services, session, patient, check_in, answers)
            if was_open
            else checkin_texts.CHANGE_SAVED
        )
        state = state_of(check_in, answers, activities, closing=closing)
    reaction.edit = render_checkin(state, services.codec)
    reaction.answer = (
        checkin_texts.SKIPPED_SHORT if tap.value is None else checkin_texts.SAVED_SHORT
    )


def _hard_day(answers: Mapping[str, int | None]) -> bool:
    """A check-in that says today is tough: the thanks should be gentle, not upbeat."""
    value = answers.get
    return (
        (value(MarkerId.MOVING_FREELY) or 3) <= 1
        or (value(MarkerId.ENERGY) or 3) <= 1
        or (value(MarkerId.PAIN_DOMINANCE) or 3) >= 4
    )


async def _acknowledgement(
    services: Services,
    session: AsyncSession,
    patient: Patient,
    check_in: CheckIn,
    answers: Mapping[str, int | None],
) -> str:
    """A warm thanks from the library, not one of the person's last ten."""
    thanks = await choose_for(
        session,
        patient.id,
        Kind.CHECKIN_ACK,
        services.clock.now(),
        lambda history: scheduled.checkin_thanks(
            services.catalogue, check_in.id, history, hard_day=_hard_day(answers)
        ),
    )
    return thanks.text


async def _security_event(
    services: Services, session: AsyncSession, kind: str, patient: Patient
) -> None:
    await SecurityEventRepository(session).record(
        kind=kind, now=services.clock.now(), telegram_user_id=patient.telegram_user_id
    )
