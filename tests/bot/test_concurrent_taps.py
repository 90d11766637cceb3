"""Taps handled at the same time, through the sandbox: each person's in order, everyone's
stored and answered, and one person's failure holds up nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import func, select

from bot.app import CONCURRENT_UPDATES, allowed_updates
from bot.jobs import delivery_jobs
from bot.update_order import ChatOrderedUpdateProcessor
from core.domain import HEALTH_DATA_CONSENT, CheckIn, Patient
from core.journey import CONSENT_VERSION
from core.store.repositories import CheckInRepository, ConsentRepository
from core.store.tables import AnswerRow, CheckInRow
from messages import checkin_texts, texts
from sandbox import SeenMessage, SimulatedUser
from tests.bot.conftest import RunningN1
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import add_active_patient


async def _people_with_check_ins(
    n1: RunningN1, count: int, first_user: int
) -> list[tuple[SimulatedUser, Patient, CheckIn]]:
    """`count` active people who agreed to store answers, each with Tuesday's check-in on
    screen (sent by the running bot's own tick and dispatcher)."""
    factory = n1.services.session_factory
    people = [n1.user(first_user + n) for n in range(count)]
    await n1.client.register_users(people)
    patients = []
    for person in people:
        patient = await add_active_patient(factory, telegram_user_id=person.id, now=n1.clock.now())
        async with factory.begin() as session:
            await ConsentRepository(session).record(
                patient_id=patient.id,
                kind=HEALTH_DATA_CONSENT,
                version=CONSENT_VERSION,
                granted=True,
                now=n1.clock.now(),
            )
        patients.append(patient)
    n1.clock.set(utc(2027, 1, 5, 9))  # Tuesday 09:00: everyone's check-in is due
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    assert await jobs.tick_now() is not None
    ready = []
    for person, patient in zip(people, patients, strict=True):
        (shown,) = await person.wait_for_messages(1)
        async with factory() as session:
            check_in_id = await session.scalar(
                select(CheckInRow.id).where(CheckInRow.patient_id == patient.id)
            )
            assert check_in_id is not None
            check_in = await CheckInRepository(session).get(check_in_id)
        assert check_in is not None
        assert shown.text is not None
        assert "Question 1 of" in shown.text
        ready.append((person, patient, check_in))
    return ready


@asynccontextmanager
async def _held_updates(n1: RunningN1) -> AsyncIterator[None]:
    """Stop fetching updates meanwhile, so the taps reach N1 together, in one getUpdates."""
    updater = n1.application.updater
    assert updater is not None
    await updater.stop()
    try:
        yield
    finally:
        await updater.start_polling(poll_interval=0, timeout=1, allowed_updates=allowed_updates())


async def _stored(n1: RunningN1, check_in: CheckIn) -> dict[str, int | None]:
    async with n1.services.session_factory() as session:
        return {a.item: a.value for a in await CheckInRepository(session).answers(check_in.id)}


async def _label(person: SimulatedUser, value: int) -> str:
    """The label of the answer worth `value` (1 to 5) on the question shown now (the check-in
    is the person's first message)."""
    return (await person.messages())[0].labels[value - 1]


def _on_question(number: int) -> Callable[[list[SeenMessage]], bool]:
    """Whether the check-in message (the person's first) shows question `number`."""
    return lambda messages: f"Question {number} of" in (messages[0].text or "")


def _processor(n1: RunningN1) -> ChatOrderedUpdateProcessor:
    processor = n1.application.update_processor
    assert isinstance(processor, ChatOrderedUpdateProcessor)
    return processor


async def test_quick_taps_of_one_person_are_all_stored_in_the_order_tapped(n1: RunningN1) -> None:
    ((person, patient, check_in),) = await _people_with_check_ins(n1, 1, first_user=6100)
    codec = n1.services.codec
    message_id = (await person.last_message()).message_id
    # Three taps before N1 has answered any: "2" for the first question, changed at once to
    # "5", then "4" for the second.
    async with _held_updates(n1):
        for index, value in ((0, 2), (0, 5), (1, 4)):
            await person.press_data(
                message_id, codec.answer(patient.id, check_in.id, index, value)
            )
    answers = await person.wait_for_answers(3)
    assert [a.text for a in answers] == [checkin_texts.SAVED_SHORT] * 3
    assert await _stored(n1, check_in) == {check_in.items[0]: 5, check_in.items[1]: 4}
    # The message as last edited shows both answers: the third tap saw the first two.
    shown = await person.wait_for_messages(
        lambda messages: "Question 3 of" in (messages[-1].text or "")
    )
    assert (shown[-1].text or "").count("✓") == 2


async def test_taps_from_many_people_are_handled_together_and_all_stored(n1: RunningN1) -> None:
    ready = await _people_with_check_ins(n1, 12, first_user=6200)
    async with _held_updates(n1):
        for person, _, _ in ready:
            await person.press(await _label(person, 4))
    for person, _, check_in in ready:
        (answer,) = await person.wait_for_answers(1)
        assert answer.text == checkin_texts.SAVED_SHORT
        await person.wait_for_messages(_on_question(2))
        assert await _stored(n1, check_in) == {check_in.items[0]: 4}
    # They were handled at the same time (everyone's at once: 12 is under the limit).
    assert _processor(n1).peak_running == min(12, CONCURRENT_UPDATES)
    assert _processor(n1).busy_keys == 0
    async with n1.services.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(AnswerRow)) == 12


async def test_one_persons_failure_holds_up_neither_others_nor_their_next_tap(
    n1: RunningN1,
) -> None:
    ready = await _people_with_check_ins(n1, 3, first_user=6300)
    (unlucky, _, unlucky_check_in), *others = ready
    # Telegram fails to edit the unlucky person's check-in message, once.
    await n1.client.add_fault("5xx", method="editMessageText", chat_id=unlucky.id, status=500)
    async with _held_updates(n1):
        for person, _, _ in ready:
            await person.press(await _label(person, 4))
    for person, _, check_in in others:
        await person.wait_for_messages(_on_question(2))
        assert await _stored(n1, check_in) == {check_in.items[0]: 4}
    # The unlucky tap was stored and answered; the failed edit gets a kind apology.
    apology = await unlucky.wait_for_messages(2)
    assert apology[-1].text == texts.SOMETHING_WENT_WRONG
    assert await _stored(n1, unlucky_check_in) == {unlucky_check_in.items[0]: 4}
    # Their next tap goes through as usual (the message still shows the first question).
    await unlucky.press(await _label(unlucky, 2))
    answers = await unlucky.wait_for_answers(2)
    assert answers[-1].text == checkin_texts.SAVED_SHORT
    await unlucky.wait_for_messages(_on_question(2))
    assert await _stored(n1, unlucky_check_in) == {unlucky_check_in.items[0]: 2}
