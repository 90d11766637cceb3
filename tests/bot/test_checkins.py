"""Answering check-ins through the sandbox: taps, changes, skips, notes, windows, forgeries."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.domain import Answer, CheckIn
from core.store.repositories import CheckInRepository
from core.store.tables import CheckInRow
from messages import checkin_texts
from messages.checkin_message import CHANGE_LABEL, NOTE_LABEL
from messages.schema import Context, Kind
from sandbox import SeenMessage, SimulatedUser
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import answer_check_in, onboard, patient_of, security_events
from tests.messages.helpers import shipped


async def _latest_check_in(n1: RunningN1, person: SimulatedUser) -> CheckIn:
    patient = await patient_of(n1, person)
    async with n1.services.session_factory() as session:
        check_in_id = await session.scalar(
            select(CheckInRow.id)
            .where(CheckInRow.patient_id == patient.id)
            .order_by(CheckInRow.id.desc())
        )
        assert check_in_id is not None
        check_in = await CheckInRepository(session).get(check_in_id)
    assert check_in is not None
    return check_in


async def _answers(n1: RunningN1, check_in: CheckIn) -> dict[str, int | None]:
    async with n1.services.session_factory() as session:
        rows: list[Answer] = await CheckInRepository(session).answers(check_in.id)
    return {answer.item: answer.value for answer in rows}


async def _tap(person: SimulatedUser, label: str) -> SeenMessage:
    """Tap a label on the check-in and wait for the tap to be answered."""
    answered = len(await person.callback_answers())
    await person.press(label)
    await person.wait_for_answers(answered + 1)
    return await person.last_message()


async def test_answering_changing_and_skipping_a_check_in(n1: RunningN1) -> None:
    person = n1.user(3001)
    await onboard(n1, person)
    check_in = await _latest_check_in(n1, person)
    assert check_in.items[:2] == ("moving_freely", "doing_what_matters")
    shown = await _tap(person, "Fairly free")
    assert shown.text is not None
    assert "✓ Moving freely: Fairly free" in shown.text
    assert "Question 2 of" in shown.text
    shown = await _tap(person, "Skip")
    assert "✓ Doing what matters: skipped" in (shown.text or "")
    # Back to the first question, change the answer.
    shown = await _tap(person, "‹ Back")
    assert "Question 2 of" in (shown.text or "")
    await _tap(person, "‹ Back")
    shown = await _tap(person, "Very free")
    answers = await _answers(n1, check_in)
    assert answers == {"moving_freely": 5, "doing_what_matters": None}
    # Finish the rest.
    while "Question" in (shown.text or ""):
        shown = await _tap(person, shown.labels[2])
    assert NOTE_LABEL in shown.labels
    assert CHANGE_LABEL in shown.labels
    assert len(await _answers(n1, check_in)) == len(check_in.items)
    # The check-in was one message, edited in place. (Read again: the message it was sent as
    # is recorded just after sending, so the copy read right after onboarding may predate it.)
    messages = await person.messages()
    assert messages[-1].message_id == (await _latest_check_in(n1, person)).telegram_message_id
    assert messages[-1].edited


async def test_a_double_tap_keeps_one_answer(n1: RunningN1) -> None:
    person = n1.user(3002)
    await onboard(n1, person)
    check_in = await _latest_check_in(n1, person)
    message = await person.last_message()
    data = message.button("Stiff").callback_data
    assert data is not None
    answered = len(await person.callback_answers())
    await person.press_data(message.message_id, data)
    await person.press_data(message.message_id, data)
    await person.wait_for_answers(answered + 2)
    assert await _answers(n1, check_in) == {"moving_freely": 2}


async def test_a_late_answer_counts_while_the_window_is_open(n1: RunningN1) -> None:
    person = n1.user(3003)
    await onboard(n1, person)
    check_in = await _latest_check_in(n1, person)
    n1.clock.advance(timedelta(hours=20))
    assert n1.clock.now() < check_in.closes_at
    await _tap(person, "OK")
    assert await _answers(n1, check_in) == {"moving_freely": 3}


async def test_a_tap_after_the_check_in_closed_writes_nothing_and_says_when_next(
    n1: RunningN1,
) -> None:
    person = n1.user(3004)
    await onboard(n1, person)
    check_in = await _latest_check_in(n1, person)
    n1.clock.set(check_in.closes_at + timedelta(minutes=1))
    before = len(await person.messages())
    await person.press("OK")
    [*_, closed] = await person.wait_for_messages(before + 1)
    assert closed.text is not None
    assert closed.text.startswith("This check-in has closed")
    assert "Your next one is on" in closed.text
    assert await _answers(n1, check_in) == {}
    answers = await person.callback_answers()
    assert answers[-1].text == checkin_texts.CLOSED_SHORT


async def test_forged_and_someone_elses_button_data_write_nothing(n1: RunningN1) -> None:
    alice, bob = n1.user(3005, "Alice"), n1.user(3006, "Bob")
    await onboard(n1, alice)
    await onboard(n1, bob)
    alice_check_in = await _latest_check_in(n1, alice)
    alice_message, bob_message = await alice.last_message(), await bob.last_message()
    alices_data = alice_message.button("Very free").callback_data
    assert alices_data is not None
    answered = len(await bob.callback_answers())
    # Bob sends Alice's button data from his own chat.
    await bob.press_data(bob_message.message_id, alices_data)
    # Malformed and edited data.
    await bob.press_data(bob_message.message_id, "1:a:1:0:5:AAAAAAAA")
    await bob.press_data(bob_message.message_id, "garbage")
    await bob.press_data(bob_message.message_id, alices_data.replace(":5:", ":4:"))
    answers = await bob.wait_for_answers(answered + 4)
    assert {answer.text for answer in answers[-4:]} == {checkin_texts.BUTTON_DID_NOT_WORK}
    assert await _answers(n1, alice_check_in) == {}
    assert await _answers(n1, await _latest_check_in(n1, bob)) == {}
    assert (await security_events(n1)).count("callback_invalid") == 4


async def test_replayed_data_on_another_message_writes_nothing(n1: RunningN1) -> None:
    person = n1.user(3007)
    await onboard(n1, person)
    check_in = await _latest_check_in(n1, person)
    *_, all_set, check_in_message = await person.messages()
    data = check_in_message.button("Stiff").callback_data
    assert data is not None
    answered = len(await person.callback_answers())
    await person.press_data(all_set.message_id, data)
    [*_, answer] = await person.wait_for_answers(answered + 1)
    assert answer.text == checkin_texts.BUTTON_DID_NOT_WORK
    assert await _answers(n1, check_in) == {}
    assert "callback_replayed" in await security_events(n1)


async def test_a_note_is_kept_with_the_check_in(n1: RunningN1) -> None:
    person = n1.user(3008)
    await onboard(n1, person)
    check_in = await _latest_check_in(n1, person)
    await answer_check_in(person, "Skip")
    before = len(await person.messages())
    await person.press(NOTE_LABEL)
    await person.wait_for_messages(before + 1)
    await person.send_text("Walked to the shop without stopping 🎉")
    [*_, saved] = await person.wait_for_messages(before + 2)
    assert saved.text == checkin_texts.NOTE_SAVED
    stored = await _latest_check_in(n1, person)
    assert stored.id == check_in.id
    assert stored.note == "Walked to the shop without stopping 🎉"


async def test_a_restart_in_the_middle_of_a_check_in_loses_nothing(n1: RunningN1) -> None:
    person = n1.user(3009)
    await onboard(n1, person)
    check_in = await _latest_check_in(n1, person)
    await _tap(person, "Stiff")
    await n1.restart()
    shown = await _tap(person, "Some")
    assert "✓ Moving freely: Stiff" in (shown.text or "")
    assert await _answers(n1, check_in) == {"moving_freely": 2, "doing_what_matters": 3}


async def test_checkin_on_demand_shows_todays_open_one_instead_of_a_second(
    n1: RunningN1,
) -> None:
    person = n1.user(3010)
    await onboard(n1, person)
    baseline = await _latest_check_in(n1, person)
    # Today's open check-in is the baseline: /checkin points to it.
    before = len(await person.messages())
    await person.send_command("/checkin")
    [*_, pointer] = await person.wait_for_messages(before + 1)
    assert pointer.text == checkin_texts.TODAYS_IS_HERE
    assert (await _latest_check_in(n1, person)).id == baseline.id
    # The next day, after it closed, /checkin opens one for today.
    n1.clock.set(baseline.closes_at + timedelta(hours=1))
    before = len(await person.messages())
    await person.send_command("/checkin")
    [*_, fresh] = await person.wait_for_messages(before + 1)
    assert fresh.text is not None
    assert fresh.text.startswith("Your check-in for")
    on_demand = await _latest_check_in(n1, person)
    assert on_demand.slot == "ondemand"
    await person.send_command("/checkin")
    [*_, pointer] = await person.wait_for_messages(before + 2)
    assert pointer.text == checkin_texts.TODAYS_IS_HERE
    assert (await _latest_check_in(n1, person)).id == on_demand.id


async def test_the_thanks_comes_from_the_library_and_is_not_repeated(n1: RunningN1) -> None:
    person = n1.user(3011)
    await onboard(n1, person)
    library = {m.text for m in shipped().messages(Kind.CHECKIN_ACK, conditions=Context())}
    closings: list[str] = []
    for day in range(3):
        if day:
            n1.clock.advance(timedelta(days=1, hours=1))
            before = len(await person.messages())
            await person.send_command("/checkin")
            await person.wait_for_messages(before + 1)
        shown = await answer_check_in(person)
        closings.append((shown.text or "").rsplit("\n\n", 1)[-1])
    assert all(closing in library for closing in closings)
    assert len(set(closings)) == 3, "never the same thanks twice in a row"
    # Changing an answer afterwards keeps the message calm: it just says it is saved.
    await _tap(person, CHANGE_LABEL)
    shown = await _tap(person, "Very free")
    while "Question" in (shown.text or ""):
        shown = await _tap(person, shown.labels[2])
    assert (shown.text or "").endswith(checkin_texts.CHANGE_SAVED)
