"""Driving a simulated person through onboarding, step by step, through the sandbox; and
the small waits and reads the bot's tests share."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import select

from bot.jobs import delivery_jobs
from core.domain import Patient
from core.store.repositories import PatientRepository
from core.store.tables import SafetyEventRow, SecurityEventRow
from messages import journey
from sandbox import SeenMessage, SimulatedUser
from tests.bot.conftest import RunningN1
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import add_active_patient, check_ins


@dataclass(frozen=True)
class Answers:
    """What a simulated person answers at each onboarding step (tap a label or type)."""

    zone: str = "UK (London)"
    zone_typed: bool = False
    days: str = "Every day"
    time: str = "09:00"
    time_typed: bool = False
    summary_day: str = "Sun"
    summary_time: str = "18:00"
    activities: tuple[str, ...] = ("walk the dog",)


async def act(person: SimulatedUser, action: str, *, typed: bool = False) -> list[SeenMessage]:
    """Tap the button labelled `action` (or type it), then wait for one new bot message."""
    before = len(await person.messages())
    if typed:
        await person.send_text(action)
    else:
        await person.press(action)
    return await person.wait_for_messages(before + 1)


async def start(person: SimulatedUser) -> list[SeenMessage]:
    """Send /start and wait for the introduction and the consent question."""
    before = len(await person.messages())
    await person.send_command("/start")
    return await person.wait_for_messages(before + 2)


async def onboard(n1: RunningN1, person: SimulatedUser, answers: Answers = Answers()) -> Patient:
    """A whole onboarding, ending with the baseline check-in on screen."""
    await start(person)
    await act(person, journey.CONSENT_YES)
    await act(person, answers.zone, typed=answers.zone_typed)
    await act(person, answers.days)
    await act(person, answers.time, typed=answers.time_typed)
    await act(person, answers.summary_day)
    await act(person, answers.summary_time)
    await act(person, "Yes, keep that")
    for activity in answers.activities[:-1]:
        await act(person, activity, typed=True)
    last = answers.activities[-1]
    before = len(await person.messages())
    await person.send_text(last)
    if len(answers.activities) < 3:
        await person.wait_for_messages(before + 1)
        before += 1
        await person.press("Done")
    # "All set" and the baseline check-in.
    await person.wait_for_messages(before + 2)
    return await patient_of(n1, person)


async def patient_of(n1: RunningN1, person: SimulatedUser) -> Patient:
    """The stored patient for a simulated person."""
    async with n1.services.session_factory() as session:
        patient = await PatientRepository(session).get_by_telegram_id(person.id)
    assert patient is not None
    return patient


async def answer_check_in(person: SimulatedUser, choice: int | str = 2) -> SeenMessage:
    """Tap the same button (a position, or a label such as "Skip") on every question of the
    check-in on screen, and return its final state."""
    shown = await person.last_message()
    while "Question" in (shown.text or ""):
        answered = len(await person.callback_answers())
        await person.press(shown.labels[choice] if isinstance(choice, int) else choice)
        await person.wait_for_answers(answered + 1)
        shown = await person.last_message()
    return shown


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 5.0) -> None:
    """Wait for the dispatcher's bookkeeping, which no message on screen marks."""
    for _ in range(int(seconds / 0.05)):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def security_events(n1: RunningN1) -> list[str]:
    """The kinds of every security event recorded so far."""
    async with n1.services.session_factory() as session:
        return list((await session.scalars(select(SecurityEventRow.kind))).all())


async def safety_events(n1: RunningN1) -> list[tuple[int | None, str]]:
    """Every safety event so far, as (patient id, category): there is nothing else to see."""
    async with n1.services.session_factory() as session:
        rows = await session.execute(
            select(SafetyEventRow.patient_id, SafetyEventRow.category).order_by(SafetyEventRow.id)
        )
        return [(patient_id, category) for patient_id, category in rows.all()]


async def check_in_shown_as(n1: RunningN1, patient_id: int, message_id: int) -> bool:
    """Whether the person's one check-in is recorded as sent as `message_id`."""
    found = await check_ins(n1.services.session_factory, patient_id)
    return [c.telegram_message_id for c in found] == [message_id]


async def tuesday_check_in(
    n1: RunningN1, telegram_user_id: int
) -> tuple[SimulatedUser, Patient, SeenMessage]:
    """Someone set up in the store (daily check-ins at 09:00 London), and the check-in the
    running bot's tick sends them on Tuesday 5 January 2027, recorded as shown."""
    person = n1.user(telegram_user_id)
    await n1.client.register_users([person])
    patient = await add_active_patient(
        n1.services.session_factory, telegram_user_id=telegram_user_id, now=n1.clock.now()
    )
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    n1.clock.set(utc(2027, 1, 5, 9))
    assert await jobs.tick_now() is not None
    (shown,) = await person.wait_for_messages(1)
    await eventually(lambda: check_in_shown_as(n1, patient.id, shown.message_id))
    return person, patient, shown
