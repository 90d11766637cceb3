"""Answering check-ins: taps, changes, skips, notes, and /checkin on demand.

Every tap is checked before anything is written: the signature (in `CallbackCodec`), the
owner, the message it came from, and whether the check-in is still open.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.flows.preferences import clean_label
from bot.flows.reaction import Reaction
from bot.flows.upcoming import local_today, next_checkins_in_words
from bot.services import Services
from core.callbacks import VERSION as CALLBACK_VERSION
from core.callbacks import AnswerTap, InvalidCallbackError, NoteTap, ReviewTap
from core.domain import (
    HEALTH_DATA_CONSENT,
    CheckIn,
    CheckInSlot,
    CheckInStatus,
    Patient,
    PatientStatus,
)
from core.journey import MAX_NOTE_LENGTH
from core.markers import MarkerId
from core.ports import OutgoingMessage
from core.store.repositories import (
    ActivityRepository,
    CheckInRepository,
    MessageLogRepository,
    PatientRepository,
    SecurityEventRepository,
)
from core.store.repositories.check_in_taps import TapContext, read_tap, write_answer
from messages import checkin_texts
from messages.checkin_message import (
    first_open_item,
    is_activity,
    render_checkin,
    valid_value,
)
from messages.schema import Context, Kind
from scheduler import texts as scheduler_texts
from scheduler.checkins import open_checkin, state_of
from scheduler.reachability import note_activity
from scheduler.schedules import window_from

NOTE_PREFIX = "note:"
# Button data kinds that name a check-in and are handled here (see core.callbacks).
_CHECK_IN_KINDS = frozenset({"a", "v", "n"})
# Ids are database integers; more digits than this is not N1's data.
_MAX_ID_DIGITS = 18


def is_open(check_in: CheckIn, now: datetime) -> bool:
    """Whether a check-in still takes answers."""
    return check_in.status is CheckInStatus.OPEN and now < check_in.closes_at


async def _security_event(
    session: AsyncSession, services: Services, kind: str, patient: Patient
) -> None:
    await SecurityEventRepository(session).record(
        kind=kind, now=services.clock.now(), telegram_user_id=patient.telegram_user_id
    )


async def _next_in_words(patient: Patient, now: datetime) -> str:
    upcoming = next_checkins_in_words(patient, now, 1)
    return upcoming[0] if upcoming else "when you next choose days with /settings"


def named_check_in(data: str | None) -> int | None:
    """The check-in id in answer, review and note button data ("1:a:<id>:..."), unverified.

    Only to read the check-in together with the person who tapped: nothing is written or
    shown before `CallbackCodec.decode` has checked the signature for that person.
    None for any other button (nudges, choices) or for data that is not N1's.
    """
    parts = (data or "").split(":", 3)
    if len(parts) < 4 or parts[0] != CALLBACK_VERSION or parts[1] not in _CHECK_IN_KINDS:
        return None
    return int(parts[2]) if parts[2].isdigit() and len(parts[2]) <= _MAX_ID_DIGITS else None


async def note_return(
    session: AsyncSession, services: Services, patient: Patient, now: datetime, reaction: Reaction
) -> Patient:
    """Note that the person is here; after a quiet spell, greet them first, without counting.

    `note_activity` inside the caller's transaction, with the person as already read.
    People still onboarding are left as they are.
    """
    if patient.status is PatientStatus.ONBOARDING:
        return patient
    activity = await note_activity(session, patient.id, now, known=patient)
    if activity.welcome_back:
        greeting = scheduler_texts.welcome_back(patient.id, catalogue=services.catalogue)
        reaction.send("welcome_back", greeting.text)
    return activity.patient or patient


async def on_button(
    services: Services,
    telegram_user_id: int,
    data: str | None,
    message_id: int | None,
    reaction: Reaction,
) -> None:
    """A tap on a check-in's answer, review or note button, in one short transaction.

    The person, the check-in, its answers and their consent are read in one statement, the
    data is verified for that person, then the answer and their last-seen time are written.
    """
    check_in_id = named_check_in(data)
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        found = (
            await read_tap(
                session,
                telegram_user_id=telegram_user_id,
                check_in_id=check_in_id,
                consent_kind=HEALTH_DATA_CONSENT,
            )
            if check_in_id is not None
            else None
        )
        try:
            tap = services.codec.decode(data, found.patient.id if found else None)
        except InvalidCallbackError:
            tap = None
        if found is None or not isinstance(tap, AnswerTap | ReviewTap | NoteTap):
            # Malformed, edited or someone else's data: write nothing but the audit record.
            await SecurityEventRepository(session).record(
                kind="callback_invalid", now=now, telegram_user_id=telegram_user_id
            )
            reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
            return
        patient = await note_return(session, services, found.patient, now, reaction)
        if found.check_in is None or tap.check_in_id != found.check_in.id:
            await _security_event(session, services, "callback_not_owned", patient)
            reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
            return
        if patient.status is PatientStatus.ONBOARDING:
            # note_return leaves them be, but an answer still says they are here.
            await PatientRepository(session).touch_last_seen(patient.id, now)
        await _on_tap(services, session, patient, found, tap, message_id, reaction)


async def _on_tap(
    services: Services,
    session: AsyncSession,
    patient: Patient,
    found: TapContext,
    tap: AnswerTap | ReviewTap | NoteTap,
    message_id: int | None,
    reaction: Reaction,
) -> None:
    """A verified tap on the person's own check-in (answer, skip, back, change, add a note)."""
    now = services.clock.now()
    check_in = found.check_in
    assert check_in is not None
    if check_in.telegram_message_id is not None and message_id != check_in.telegram_message_id:
        # Valid data for this person, but pressed on a message it was not sent with.
        await _security_event(session, services, "callback_replayed", patient)
        reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
        return
    activities = await _activities(session, check_in)
    if not is_open(check_in, now):
        closed = render_checkin(state_of(check_in, found.answers, activities), services.codec)
        reaction.edit = OutgoingMessage(closed.text)
        reaction.answer = checkin_texts.CLOSED_SHORT
        reaction.send("checkin_closed", checkin_texts.closed(await _next_in_words(patient, now)))
        return
    if found.consent is None or not found.consent.active:
        reaction.answer = checkin_texts.NO_CONSENT_SHORT
        reaction.send("no_consent", checkin_texts.NO_CONSENT)
        return
    await _apply(services, session, patient, check_in, found.answers, activities, tap, reaction)


async def _activities(session: AsyncSession, check_in: CheckIn) -> Mapping[int, str]:
    """The person's own words for their activities, read only if the check-in asks about them."""
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
    tap: AnswerTap | ReviewTap | NoteTap,
    reaction: Reaction,
) -> None:
    now = services.clock.now()
    items = check_in.items
    if isinstance(tap, NoteTap):
        await PatientRepository(session).set_awaiting_input(
            patient.id, f"{NOTE_PREFIX}{check_in.id}", now
        )
        reaction.answer = checkin_texts.NOTE_SHORT
        reaction.send("note_prompt", checkin_texts.NOTE_PROMPT)
        return
    if tap.item_index >= len(items):
        await _security_event(session, services, "callback_bad_item", patient)
        reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
        return
    if isinstance(tap, ReviewTap):
        state = state_of(check_in, before, activities, showing=tap.item_index)
        reaction.edit = render_checkin(state, services.codec)
        reaction.answer = ""
        return
    item = items[tap.item_index]
    if tap.value is not None and not valid_value(item, tap.value):
        await _security_event(session, services, "callback_bad_value", patient)
        reaction.answer = checkin_texts.BUTTON_DID_NOT_WORK
        return
    was_open = first_open_item(check_in, before) is not None
    await write_answer(session, check_in, item=item, value=tap.value, now=now)
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
    log = MessageLogRepository(session)
    history = await log.recent_ids(patient.id, kinds=[Kind.CHECKIN_ACK.value])
    message = services.catalogue.choose(
        Kind.CHECKIN_ACK,
        history,
        random.Random(check_in.id),
        conditions=Context(after_flare=_hard_day(answers)),
    )
    await log.record(patient.id, [(Kind.CHECKIN_ACK.value, message.id)], services.clock.now())
    return message.text


async def on_note(services: Services, patient: Patient, text: str, reaction: Reaction) -> None:
    """The typed note after "Add a note"."""
    now = services.clock.now()
    awaiting = patient.awaiting_input or ""
    async with services.session_factory.begin() as session:
        await PatientRepository(session).set_awaiting_input(patient.id, None, now)
        check_ins = CheckInRepository(session)
        check_in_id = awaiting.removeprefix(NOTE_PREFIX)
        check_in = await check_ins.get(int(check_in_id)) if check_in_id.isdigit() else None
        if check_in is None or check_in.patient_id != patient.id:
            reaction.send("not_understood", checkin_texts.NOTE_LOST)
            return
        note = clean_label(text)[:MAX_NOTE_LENGTH]
        if not note:
            reaction.send("note_empty", checkin_texts.NOTE_EMPTY)
            return
        await check_ins.set_note(check_in.id, note)
    reaction.send("note_saved", checkin_texts.NOTE_SAVED)


async def on_demand(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/checkin: today's open check-in if there is one, otherwise a new one for today."""
    now = services.clock.now()
    today = local_today(patient, now)
    async with services.session_factory.begin() as session:
        check_ins = CheckInRepository(session)
        for slot in (CheckInSlot.DAILY, CheckInSlot.BASELINE, CheckInSlot.ONDEMAND):
            existing = await check_ins.get_by_key(patient.id, today, slot.value)
            if existing is None or existing.telegram_message_id is None:
                continue
            if is_open(existing, now):
                reaction.reply_to_message_id = existing.telegram_message_id
                reaction.send("checkin_pointer", checkin_texts.TODAYS_IS_HERE)
                return
            if slot is CheckInSlot.ONDEMAND:
                reaction.send(
                    "checkin_done_today",
                    checkin_texts.done_today(await _next_in_words(patient, now)),
                )
                return
        opened = await open_checkin(
            session,
            patient=patient,
            local_date=today,
            slot=CheckInSlot.ONDEMAND,
            closes_at=window_from(patient, now),
            now=now,
            codec=services.codec,
        )
    reaction.send("checkin", opened.message, opened.check_in.id)


async def record_sent(services: Services, check_in_id: int, message_id: int) -> None:
    """Remember which message shows a check-in, so taps can be checked against it."""
    async with services.session_factory.begin() as session:
        await CheckInRepository(session).mark_sent(
            check_in_id, sent_at=services.clock.now(), telegram_message_id=message_id
        )
