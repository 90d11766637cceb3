"""/settings, /pause, /resume, /stop and /start again, as a set-up person uses them."""

from __future__ import annotations

from datetime import timedelta

from core.domain import PatientStatus
from core.store.repositories import ActivityRepository, ScheduleRepository
from messages import settings_texts
from scheduler.backoff import BackoffLevel
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import act, onboard, patient_of


async def test_settings_shows_every_choice_and_the_next_three_check_ins(n1: RunningN1) -> None:
    person = n1.user(4001)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_command("/settings")
    [*_, menu] = await person.wait_for_messages(before + 1)
    text = menu.text or ""
    assert "Time zone: Europe/London" in text
    assert "Check-ins: every day at 09:00" in text
    assert "Weekly summary: Sunday at 18:00" in text
    assert "Quiet hours: 21:00 to 08:00" in text
    assert "What matters to you: walk the dog" in text
    assert "Tuesday 5 January at 09:00" in text
    assert "Thursday 7 January at 09:00" in text


async def test_changing_the_check_in_time_is_confirmed_with_the_next_one(n1: RunningN1) -> None:
    person = n1.user(4002)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_command("/settings")
    await person.wait_for_messages(before + 1)
    await act(person, "Check-in time")
    [*_, confirmed] = await act(person, "7.30pm", typed=True)
    assert confirmed.text == settings_texts.changed(
        "your check-ins are now at 19:30", "Monday 4 January at 19:30"
    )
    assert (await patient_of(n1, person)).checkin_time == "19:30"


async def test_changing_zone_days_quiet_hours_and_activities(n1: RunningN1) -> None:
    person = n1.user(4003)
    await onboard(n1, person)
    for setting, answer, typed in (
        ("Time zone", "Kolkata", True),
        ("Days", "mon, wed, fri", True),
        ("Quiet hours", "22:00 to 07:00", True),
        ("What matters to me", "gardening\nswimming", True),
        ("Summary day", "Fri", False),
    ):
        before = len(await person.messages())
        await person.send_command("/settings")
        await person.wait_for_messages(before + 1)
        await act(person, setting)
        [*_, confirmed] = await act(person, answer, typed=typed)
        assert (confirmed.text or "").startswith("Done:")
    patient = await patient_of(n1, person)
    assert patient.time_zone == "Asia/Kolkata"
    assert patient.checkin_days == 0b0010101
    assert (patient.quiet_start, patient.quiet_end) == ("22:00", "07:00")
    assert patient.summary_weekday == 4
    async with n1.services.session_factory() as session:
        assert await ActivityRepository(session).labels(patient.id) == {
            1: "gardening",
            2: "swimming",
        }


async def test_the_pain_question_can_be_turned_off(n1: RunningN1) -> None:
    person = n1.user(4004)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_command("/settings")
    await person.wait_for_messages(before + 1)
    [*_, confirmed] = await act(person, "Pain question on/off")
    assert "won't ask about pain" in (confirmed.text or "")
    assert (await patient_of(n1, person)).ask_about_pain is False


async def test_pause_then_resume(n1: RunningN1) -> None:
    person = n1.user(4005)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_command("/pause")
    await person.wait_for_messages(before + 1)
    [*_, paused] = await act(person, "A week")
    assert paused.text == settings_texts.paused("Monday 11 January at 09:00")
    patient = await patient_of(n1, person)
    assert patient.status is PatientStatus.PAUSED
    assert patient.paused_until_at is not None
    before = len(await person.messages())
    await person.send_command("/resume")
    [*_, resumed] = await person.wait_for_messages(before + 1)
    assert (resumed.text or "").startswith("Welcome back")
    assert (await patient_of(n1, person)).status is PatientStatus.ACTIVE
    before = len(await person.messages())
    await person.send_command("/resume")
    [*_, again] = await person.wait_for_messages(before + 1)
    assert again.text == settings_texts.NOT_PAUSED


async def test_stop_keeps_data_and_start_brings_n1_back(n1: RunningN1) -> None:
    person = n1.user(4006)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_command("/stop")
    [*_, stopped] = await person.wait_for_messages(before + 1)
    assert stopped.text == settings_texts.STOPPED
    assert (await patient_of(n1, person)).status is PatientStatus.STOPPED
    await person.send_command("/start")
    [*_, back] = await person.wait_for_messages(before + 2)
    assert (back.text or "").startswith("Welcome back")
    assert (await patient_of(n1, person)).status is PatientStatus.ACTIVE


async def test_typing_outside_a_flow_points_to_help(n1: RunningN1) -> None:
    person = n1.user(4007)
    await onboard(n1, person)
    for typed in ("hello", "x" * 5000, "🙂" * 100):
        before = len(await person.messages())
        await person.send_text(typed)
        [*_, reply] = await person.wait_for_messages(before + 1)
        assert "/help" in (reply.text or "")


async def test_coming_back_after_a_quiet_spell_is_welcomed_without_counting(
    n1: RunningN1,
) -> None:
    person = n1.user(4008)
    patient = await onboard(n1, person)
    n1.clock.advance(timedelta(days=12))
    async with n1.services.session_factory.begin() as session:
        await ScheduleRepository(session).set_backoff_level(patient.id, BackoffLevel.WEEKLY)
    before = len(await person.messages())
    await person.send_command("/settings")
    [*_, welcome, menu] = await person.wait_for_messages(before + 2)
    assert (menu.text or "").startswith("Your settings")
    assert welcome.text is not None
    assert not any(char.isdigit() for char in welcome.text), "never a count of missed days"
    assert "missed" not in welcome.text.lower()
    assert (await patient_of(n1, person)).backoff_level == BackoffLevel.NORMAL
    # Only once.
    await person.send_command("/help")
    [*_, help_message] = await person.wait_for_messages(before + 3)
    assert (help_message.text or "").startswith("Here's what I can do")
