"""A button counts only on the message that offered it, through the sandbox over real HTTP.

Choices (onboarding, /settings, /pause, /delete) and nudge buttons are applied only when their
data is one of the buttons Telegram says the tapped message has; anywhere else the tap gets a
neutral answer and changes nothing. Forged nudge data is refused like any forged data.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.jobs import delivery_jobs
from core.callbacks import CallbackCodec
from core.domain import CheckIn, Patient, PatientStatus
from core.store.repositories import PatientRepository
from core.store.tables import AnswerRow, ConsentRow
from messages import checkin_texts, journey, scheduled, settings_texts
from sandbox import SeenMessage, SimulatedUser
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import (
    act,
    answer_check_in,
    check_in_shown_as,
    eventually,
    onboard,
    patient_of,
    security_events,
    start,
)
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import add_active_patient, check_ins

HAND_MADE_DELETE_YES = CallbackCodec.choice(settings_texts.DELETE, "yes")


async def _tap_answer(person: SimulatedUser, message_id: int, data: str) -> str | None:
    """Press `data` on message `message_id`; the text of the callback answer it gets."""
    answered = len(await person.callback_answers())
    await person.press_data(message_id, data)
    answers = await person.wait_for_answers(answered + 1)
    return answers[-1].text


async def _only_reply_to(person: SimulatedUser, command: str) -> list[SeenMessage]:
    """Send `command` and wait for its one reply. A person's updates are handled in order, so
    anything an earlier tap sent is on screen before this reply: a barrier, not a sleep."""
    before = len(await person.messages())
    await person.send_command(command)
    return await person.wait_for_messages(before + 1)


async def _count(n1: RunningN1, table: type[AnswerRow] | type[ConsentRow]) -> int:
    async with n1.services.session_factory() as session:
        count = await session.scalar(select(func.count()).select_from(table))
    assert count is not None
    return count


# --- /delete's "yes" ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/settings", "/help"])
async def test_a_hand_made_delete_yes_on_a_message_that_never_asked_deletes_nothing(
    n1: RunningN1, command: str
) -> None:
    person = n1.user(7201)
    await onboard(n1, person)
    await answer_check_in(person)
    answers, consents = await _count(n1, AnswerRow), await _count(n1, ConsentRow)
    assert answers > 0
    assert consents > 0
    [*_, shown] = await _only_reply_to(person, command)

    answer = await _tap_answer(person, shown.message_id, HAND_MADE_DELETE_YES)

    assert answer == journey.BUTTON_NOT_ACTIVE
    # Nothing was sent or edited: the next reply follows straight on.
    before = await person.messages()
    after = await _only_reply_to(person, "/privacy")
    assert after[:-1] == before
    assert after[-2] == shown
    assert n1.running.sent_by_kind["deleted"] == 0
    patient = await patient_of(n1, person)
    assert patient.status is PatientStatus.ACTIVE
    assert await _count(n1, AnswerRow) == answers
    assert await _count(n1, ConsentRow) == consents
    # The very same data on the /delete question itself does delete (it is no forgery).
    [*_, prompt] = await _only_reply_to(person, "/delete")
    assert prompt.button("Yes, delete everything").callback_data == HAND_MADE_DELETE_YES
    assert await _tap_answer(person, prompt.message_id, HAND_MADE_DELETE_YES) == (
        settings_texts.DELETED_SHORT
    )
    async with n1.services.session_factory() as session:
        assert await PatientRepository(session).get_by_telegram_id(person.id) is None


# --- onboarding -----------------------------------------------------------------------------


async def test_an_onboarding_choice_pressed_on_another_message_changes_nothing(
    n1: RunningN1,
) -> None:
    person = n1.user(7202)
    introduction, _ = await start(person)
    [*_, zone_question] = await act(person, journey.CONSENT_YES)
    assert zone_question.text == journey.ZONE
    kolkata = zone_question.button("India (Kolkata)").callback_data
    assert kolkata is not None
    step = (await patient_of(n1, person)).onboarding_step

    answer = await _tap_answer(person, introduction.message_id, kolkata)

    assert answer == journey.BUTTON_NOT_ACTIVE
    patient = await patient_of(n1, person)
    assert patient.time_zone != "Asia/Kolkata"
    assert patient.onboarding_step == step
    # On the question that offered it, the same button is the answer.
    before = len(await person.messages())
    await person.press_data(zone_question.message_id, kolkata)
    await person.wait_for_messages(before + 1)
    assert (await patient_of(n1, person)).time_zone == "Asia/Kolkata"


# --- nudges ---------------------------------------------------------------------------------


async def _nudged(n1: RunningN1, user_id: int) -> tuple[SimulatedUser, Patient, SeenMessage]:
    """Someone with Tuesday's check-in on screen, unanswered, and then its nudge."""
    factory = n1.services.session_factory
    person = n1.user(user_id)
    await n1.client.register_users([person])
    patient = await add_active_patient(factory, telegram_user_id=user_id, now=n1.clock.now())
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    n1.clock.set(utc(2027, 1, 5, 9))  # Tuesday 09:00: the check-in
    assert await jobs.tick_now() is not None
    (shown,) = await person.wait_for_messages(1)

    await eventually(lambda: check_in_shown_as(n1, patient.id, shown.message_id))
    n1.clock.set(utc(2027, 1, 5, 12))  # three hours on: the nudge
    assert await jobs.tick_now() is not None
    _, nudge = await person.wait_for_messages(2)
    assert nudge.labels == [scheduled.LATER_TODAY, scheduled.NOT_TODAY]
    return person, patient, nudge


async def _check_in(n1: RunningN1, patient: Patient) -> CheckIn:
    (check_in,) = await check_ins(n1.services.session_factory, patient.id)
    return check_in


async def test_a_nudge_button_pressed_on_another_message_changes_nothing(n1: RunningN1) -> None:
    person, patient, nudge = await _nudged(n1, 7203)
    check_in_message = (await person.messages())[0]
    later = nudge.button(scheduled.LATER_TODAY).callback_data
    assert later is not None
    unchanged = await _check_in(n1, patient)
    assert unchanged.nudge_reply is None

    answer = await _tap_answer(person, check_in_message.message_id, later)

    assert answer == journey.BUTTON_NOT_ACTIVE
    assert await _check_in(n1, patient) == unchanged
    # Neither message changed, and nothing was sent.
    before = await person.messages()
    after = await _only_reply_to(person, "/privacy")
    assert after[:-1] == before
    assert after[:2] == [check_in_message, nudge]
    # On the nudge itself the same button works.
    assert await _tap_answer(person, nudge.message_id, later) == scheduled.LATER_OK
    later_on = await _check_in(n1, patient)
    assert later_on.nudge_reply == "later"
    assert later_on.nudge_due_at == utc(2027, 1, 5, 14)


async def test_forged_nudge_data_did_not_work_and_changes_nothing(n1: RunningN1) -> None:
    person, patient, nudge = await _nudged(n1, 7204)
    later = nudge.button(scheduled.LATER_TODAY).callback_data
    assert later is not None
    assert ":later:" in later
    unchanged = await _check_in(n1, patient)
    forged = (
        later.replace(":later:", ":no:"),  # the choice edited, the signature kept
        f"1:z:{unchanged.id}:no:AAAAAAAA",  # a made-up signature
    )

    for data in forged:
        answer = await _tap_answer(person, nudge.message_id, data)
        assert answer == checkin_texts.BUTTON_DID_NOT_WORK

    assert await _check_in(n1, patient) == unchanged
    assert (await security_events(n1)).count("callback_invalid") == len(forged)
    after = await _only_reply_to(person, "/privacy")
    assert after[1] == nudge  # still with its buttons, unedited


async def test_someone_elses_nudge_data_did_not_work(n1: RunningN1) -> None:
    alice, alice_patient, alice_nudge = await _nudged(n1, 7205)
    bob = n1.user(7206, "Bob")
    await onboard(n1, bob)
    alices_data = alice_nudge.button(scheduled.NOT_TODAY).callback_data
    assert alices_data is not None
    unchanged = await _check_in(n1, alice_patient)
    bobs_message = await bob.last_message()

    answer = await _tap_answer(bob, bobs_message.message_id, alices_data)

    assert answer == checkin_texts.BUTTON_DID_NOT_WORK
    assert await _check_in(n1, alice_patient) == unchanged
    assert "callback_invalid" in await security_events(n1)
    assert await _tap_answer(alice, alice_nudge.message_id, alices_data) == (
        scheduled.NOT_TODAY_OK
    )
