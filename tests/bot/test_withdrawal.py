"""Withdrawing consent from /privacy: everything stops at once, nothing new is kept, nothing
more is sent, and /start asks for consent again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from bot.jobs import DeliveryJobs, delivery_jobs
from core.domain import HEALTH_DATA_CONSENT, CheckInStatus, OutboxKind, Patient, PatientStatus
from core.journey import Step
from core.ports import OutgoingMessage
from core.safety import Category
from core.store.repositories import ConsentRepository, OutboxRepository, ScheduleRepository
from core.store.repositories.outbox import NewOutboxMessage
from core.store.tables import AnswerRow, CheckInRow, OutboxRow
from messages import checkin_texts, journey, settings_texts, texts
from messages.schema import SafetySituation
from sandbox import SimulatedUser
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import act, eventually, onboard, patient_of, safety_events
from tests.messages.helpers import shipped
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import check_ins

WITHDRAW_YES = "Yes, withdraw my consent"


def _jobs(n1: RunningN1) -> DeliveryJobs:
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    return jobs


async def _queue(n1: RunningN1, patient: Patient, key: str) -> None:
    """A scheduled message waiting in the outbox for the person, due now."""
    async with n1.services.session_factory.begin() as session:
        await OutboxRepository(session).enqueue(
            NewOutboxMessage(
                idempotency_key=key,
                chat_id=patient.chat_id,
                kind=OutboxKind.NUDGE.value,
                payload=OutgoingMessage("Still there?").to_payload(),
                patient_id=patient.id,
            ),
            n1.clock.now(),
        )


async def _outbox_status(n1: RunningN1, key: str) -> str | None:
    async with n1.services.session_factory() as session:
        return await session.scalar(
            select(OutboxRow.status).where(OutboxRow.idempotency_key == key)
        )


async def _answers(n1: RunningN1) -> int:
    async with n1.services.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(AnswerRow)) or 0)


async def _withdraw(person: SimulatedUser) -> str:
    """/privacy, its "withdraw" button, then yes; returns the reply's text."""
    before = len(await person.messages())
    await person.send_command("/privacy")
    [*_, privacy] = await person.wait_for_messages(before + 1)
    assert privacy.labels == [texts.WITHDRAW_BUTTON]
    [*_, prompt] = await act(person, texts.WITHDRAW_BUTTON)
    assert "/delete" in (prompt.text or "")
    [*_, done] = await act(person, WITHDRAW_YES)
    return done.text or ""


async def test_withdrawing_stops_everything_in_one_go(n1: RunningN1) -> None:
    person = n1.user(8101)
    patient = await onboard(n1, person)
    check_in_message = await person.last_message()
    await _queue(n1, patient, "waiting")
    async with n1.services.session_factory.begin() as session:
        # Let the queued message wait: withdrawal must give it up before it goes.
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.idempotency_key == "waiting")
            .values(not_before_at=n1.clock.now() + timedelta(hours=1))
        )
    reply = await _withdraw(person)
    assert reply == settings_texts.withdrawn(n1.settings.retention_months)
    assert "/export" in reply
    assert "/start" in reply
    stopped = await patient_of(n1, person)
    assert stopped.status is PatientStatus.STOPPED
    async with n1.services.session_factory() as session:
        consent = await ConsentRepository(session).latest(patient.id, HEALTH_DATA_CONSENT)
        schedules = await ScheduleRepository(session).for_patient(patient.id)
    assert consent is not None
    assert not consent.active
    assert [s.next_due_at for s in schedules] == [None, None]
    assert await _outbox_status(n1, "waiting") == "failed"
    [baseline] = await check_ins(n1.services.session_factory, patient.id)
    assert baseline.status is CheckInStatus.CLOSED
    assert baseline.nudge_due_at is None

    # A tap on the old check-in is refused kindly and stores nothing.
    stored = await _answers(n1)
    answered = len(await person.callback_answers())
    before = len(await person.messages())
    await person.press_data(
        check_in_message.message_id, check_in_message.button("Fairly free").callback_data or ""
    )
    [*_, answer] = await person.wait_for_answers(answered + 1)
    assert answer.text == checkin_texts.NO_CONSENT_SHORT
    [*_, explained] = await person.wait_for_messages(before + 1)
    assert explained.text == checkin_texts.NO_CONSENT
    assert await _answers(n1) == stored

    # /checkin opens nothing either.
    await person.send_command("/checkin")
    [*_, refused] = await person.wait_for_messages(before + 2)
    assert refused.text == checkin_texts.NO_CONSENT
    assert len(await check_ins(n1.services.session_factory, patient.id)) == 1


async def test_nothing_is_sent_after_withdrawal_even_a_message_that_slipped_through(
    n1: RunningN1,
) -> None:
    person = n1.user(8102)
    patient = await onboard(n1, person)
    await _withdraw(person)
    shown = len(await person.messages())
    jobs = _jobs(n1)
    # A week of check-in times, with the weekly summary's time among them, passes.
    moments = [utc(2027, 1, day, 9) for day in range(5, 11)]
    for moment in [*moments, utc(2027, 1, 10, 18), utc(2027, 1, 11, 9)]:
        n1.clock.set(moment)
        report = await jobs.tick_now()
        assert report is not None
        assert (report.checkins_queued, report.summaries_queued) == (0, 0)
    # A message queued anyway (as if a row slipped through) is given up at send time.
    await _queue(n1, patient, "slipped")
    jobs.dispatcher.wake()

    async def given_up() -> bool:
        return await _outbox_status(n1, "slipped") == "failed"

    await eventually(given_up)
    assert len(await person.messages()) == shown


async def test_start_asks_for_consent_again_and_yes_carries_on_with_onboarding(
    n1: RunningN1,
) -> None:
    person = n1.user(8103)
    await onboard(n1, person)
    await _withdraw(person)
    before = len(await person.messages())
    await person.send_command("/start")
    [*_, asked] = await person.wait_for_messages(before + 1)
    assert asked.text == journey.CONSENT
    assert (await patient_of(n1, person)).status is PatientStatus.ONBOARDING
    [*_, zone] = await act(person, journey.CONSENT_YES)
    assert zone.text == journey.ZONE
    patient = await patient_of(n1, person)
    assert patient.onboarding_step == Step.ZONE
    async with n1.services.session_factory() as session:
        consent = await ConsentRepository(session).latest(patient.id, HEALTH_DATA_CONSENT)
    assert consent is not None
    assert consent.active


async def test_no_when_asked_again_keeps_what_they_gave_and_sends_nothing(n1: RunningN1) -> None:
    person = n1.user(8104)
    patient = await onboard(n1, person)
    await _withdraw(person)
    before = len(await person.messages())
    await person.send_command("/resume")
    await person.wait_for_messages(before + 1)
    [*_, declined] = await act(person, journey.CONSENT_NO)
    assert declined.text == journey.DECLINED_AGAIN
    kept = await patient_of(n1, person)
    assert kept.id == patient.id
    assert kept.status is PatientStatus.STOPPED
    assert len(await check_ins(n1.services.session_factory, patient.id)) == 1


async def test_no_on_the_confirmation_changes_nothing(n1: RunningN1) -> None:
    person = n1.user(8105)
    patient = await onboard(n1, person)
    before = len(await person.messages())
    await person.send_command("/privacy")
    await person.wait_for_messages(before + 1)
    await act(person, texts.WITHDRAW_BUTTON)
    [*_, kept] = await act(person, "No, carry on")
    assert kept.text == settings_texts.WITHDRAW_KEPT
    assert (await patient_of(n1, person)).status is PatientStatus.ACTIVE
    async with n1.services.session_factory() as session:
        consent = await ConsentRepository(session).latest(patient.id, HEALTH_DATA_CONSENT)
        open_check_ins = await session.scalar(
            select(func.count()).where(CheckInRow.status == CheckInStatus.OPEN.value)
        )
    assert consent is not None
    assert consent.active
    assert open_check_ins == 1


async def test_privacy_offers_withdrawal_only_to_someone_whose_consent_is_in_force(
    n1: RunningN1,
) -> None:
    stranger = n1.user(8106)
    await stranger.send_command("/privacy")
    [shown] = await stranger.wait_for_messages(1)
    assert shown.text == texts.PRIVACY
    assert shown.labels == []
    person = n1.user(8107)
    await onboard(n1, person)
    await _withdraw(person)
    before = len(await person.messages())
    await person.send_command("/privacy")
    [*_, again] = await person.wait_for_messages(before + 1)
    assert again.labels == []


async def test_after_withdrawal_a_crisis_still_gets_help_but_nothing_is_kept_about_them(
    n1: RunningN1,
) -> None:
    person = n1.user(7108)
    patient = await onboard(n1, person)
    await _withdraw(person)
    before = len(await person.messages())
    await person.send_text("some days I don't see a way out")
    [*_, signpost] = await person.wait_for_messages(before + 1)
    assert signpost.text == shipped().safety(SafetySituation.CRISIS).text
    # Counted, so the service knows signposts are shown, but tied to nobody.
    assert await safety_events(n1) == [(None, Category.CRISIS.value)]
    assert (await patient_of(n1, person)).id == patient.id
