"""Onboarding as people meet it, end to end through the sandbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from core.domain import HEALTH_DATA_CONSENT, PatientStatus
from core.journey import CONSENT_VERSION
from core.store.repositories import ActivityRepository, ConsentRepository, PatientRepository
from messages import journey, settings_texts
from tests.bot.conftest import START, RunningN1
from tests.bot.journey_steps import Answers, act, onboard, patient_of, start


@pytest.mark.parametrize(
    ("answers", "zone"),
    [
        (Answers(), "Europe/London"),
        (
            Answers(zone="new york", zone_typed=True, time="7pm", time_typed=True),
            "America/New_York",
        ),
        (Answers(zone="Kolkata", zone_typed=True, time="7.30pm", time_typed=True), "Asia/Kolkata"),
        (Answers(zone="auckland", zone_typed=True, days="Weekdays"), "Pacific/Auckland"),
    ],
    ids=["london-buttons", "new-york-typed", "kolkata-typed", "auckland-weekdays"],
)
async def test_a_whole_onboarding_ends_with_a_baseline_check_in(
    n1: RunningN1, answers: Answers, zone: str
) -> None:
    person = n1.user(2001)
    patient = await onboard(n1, person, answers)
    assert patient.status is PatientStatus.ACTIVE
    assert patient.time_zone == zone
    assert patient.onboarding_step is None
    expected_time = {"7pm": "19:00", "7.30pm": "19:30"}.get(answers.time, answers.time)
    assert patient.checkin_time == expected_time
    assert patient.checkin_days == (31 if answers.days == "Weekdays" else 127)
    assert (patient.summary_weekday, patient.summary_time) == (6, "18:00")
    assert (patient.quiet_start, patient.quiet_end) == ("21:00", "08:00")
    async with n1.services.session_factory() as session:
        consent = await ConsentRepository(session).latest(patient.id, HEALTH_DATA_CONSENT)
        activities = await ActivityRepository(session).labels(patient.id)
    assert consent is not None
    assert consent.active
    assert consent.version == CONSENT_VERSION
    assert consent.decided_at == START
    assert activities == {1: "walk the dog"}
    *_, all_set, baseline = await person.messages()
    assert all_set.text is not None
    assert "you're all set" in all_set.text
    assert f"at {expected_time}" in all_set.text
    assert baseline.text is not None
    assert baseline.text.startswith("Your first check-in")
    assert baseline.labels[:3] == ["Very stiff", "Stiff", "OK"]
    assert "Skip" in baseline.labels


async def test_saying_no_to_consent_stores_nothing_and_says_how_to_come_back(
    n1: RunningN1,
) -> None:
    person = n1.user(2002)
    await start(person)
    [*_, declined] = await act(person, journey.CONSENT_NO)
    assert declined.text == journey.DECLINED
    assert "/start" in declined.text
    async with n1.services.session_factory() as session:
        assert await PatientRepository(session).get_by_telegram_id(person.id) is None
    # Coming back later starts afresh.
    messages = await start(person)
    assert messages[-1].labels == [journey.CONSENT_YES, journey.CONSENT_NO]


async def test_choosing_days_one_by_one(n1: RunningN1) -> None:
    person = n1.user(2003)
    await start(person)
    await act(person, journey.CONSENT_YES)
    await act(person, "UK (London)")
    await person.press("Let me choose")
    await person.wait_for_messages(lambda ms: ms[-1].labels[0] == "Mon")
    for day in ("Mon", "Wed", "Fri"):
        await person.press(day)
        ticked = f"✓ {day}"
        await person.wait_for_messages(lambda ms: ticked in ms[-1].labels)  # noqa: B023
    await person.press("✓ Wed")  # changed their mind
    await person.wait_for_messages(lambda ms: "Wed" in ms[-1].labels)
    before = len(await person.messages())
    await person.press("Done")
    await person.wait_for_messages(before + 1)
    patient = await patient_of(n1, person)
    assert patient.checkin_days == 0b0010001  # Monday and Friday


async def test_done_with_no_days_picked_asks_for_one(n1: RunningN1) -> None:
    person = n1.user(2004)
    await start(person)
    await act(person, journey.CONSENT_YES)
    await act(person, "UK (London)")
    await person.press("Let me choose")
    await person.wait_for_messages(lambda ms: ms[-1].labels[0] == "Mon")
    await person.press("Done")
    answers = await person.wait_for_answers(4)
    assert answers[-1].text == journey.NO_DAYS_CHOSEN
    assert (await patient_of(n1, person)).onboarding_step == "days"


async def test_an_unclear_place_gets_suggestions_to_tap(n1: RunningN1) -> None:
    person = n1.user(2005)
    await start(person)
    await act(person, journey.CONSENT_YES)
    [*_, unclear] = await act(person, "usa", typed=True)
    assert "America/New York" in unclear.labels
    assert "America/Los Angeles" in unclear.labels
    await act(person, "America/Los Angeles")
    assert (await patient_of(n1, person)).time_zone == "America/Los_Angeles"


async def test_a_misspelt_city_is_offered_back_not_assumed(n1: RunningN1) -> None:
    person = n1.user(2015)
    await start(person)
    await act(person, journey.CONSENT_YES)
    [*_, suggestion] = await act(person, "lodnon", typed=True)
    assert suggestion.labels == ["Europe/London"]
    assert (await patient_of(n1, person)).onboarding_step == "zone"
    [*_, days_prompt] = await act(person, "Europe/London")
    assert days_prompt.labels == ["Every day", "Weekdays", "Let me choose"]
    assert (await patient_of(n1, person)).time_zone == "Europe/London"


async def test_a_place_that_does_not_exist_gets_a_kind_reply(n1: RunningN1) -> None:
    person = n1.user(2006)
    await start(person)
    await act(person, journey.CONSENT_YES)
    [*_, reply] = await act(person, "qwzxv", typed=True)
    assert reply.text == journey.ZONE_NOT_FOUND


async def test_three_activities_finish_onboarding_without_done(n1: RunningN1) -> None:
    person = n1.user(2007)
    patient = await onboard(
        n1, person, Answers(activities=("gardening", "playing with the grandchildren", "swim"))
    )
    async with n1.services.session_factory() as session:
        labels = await ActivityRepository(session).labels(patient.id)
    assert labels == {1: "gardening", 2: "playing with the grandchildren", 3: "swim"}


async def test_an_activity_over_100_characters_is_asked_again(n1: RunningN1) -> None:
    person = n1.user(2008)
    await start(person)
    for step in (journey.CONSENT_YES, "UK (London)", "Every day", "09:00", "Sun", "18:00"):
        await act(person, step)
    await act(person, "Yes, keep that")
    [*_, reply] = await act(person, "a" * 101, typed=True)
    assert reply.text == journey.ACTIVITY_TOO_LONG


async def test_a_restart_in_the_middle_of_onboarding_resumes_at_the_same_step(
    n1: RunningN1,
) -> None:
    person = n1.user(2009)
    await start(person)
    await act(person, journey.CONSENT_YES)
    await act(person, "UK (London)")
    await n1.restart()
    # Typing the next answer just carries on.
    [*_, time_prompt] = await act(person, "Every day")
    assert time_prompt.text is not None
    assert time_prompt.text.startswith("What time of day")
    # /start again offers to carry on or start over.
    before = len(await person.messages())
    await person.send_command("/start")
    [*_, offer] = await person.wait_for_messages(before + 1)
    assert offer.labels == ["Carry on", "Start again"]
    [*_, again] = await act(person, "Carry on")
    assert again.text == time_prompt.text
    before = len(await person.messages())
    await person.press("Start again")
    [*_, consent] = await person.wait_for_messages(before + 2)
    assert consent.labels == [journey.CONSENT_YES, journey.CONSENT_NO]


async def test_a_button_from_an_earlier_step_does_not_jump_back(n1: RunningN1) -> None:
    person = n1.user(2010)
    await start(person)
    await act(person, journey.CONSENT_YES)
    messages = await act(person, "UK (London)")
    zone_message = messages[-2]
    stale = zone_message.button("India (Kolkata)").callback_data
    assert stale is not None
    await person.press_data(zone_message.message_id, stale)
    answers = await person.wait_for_answers(3)
    assert answers[-1].text == journey.STALE_CHOICE
    assert (await patient_of(n1, person)).time_zone == "Europe/London"


@pytest.mark.parametrize(
    "command", ["/checkin", "/settings", "/pause", "/resume"], ids=lambda c: c[1:]
)
async def test_commands_before_onboarding_is_done_point_back_to_it(
    n1: RunningN1, command: str
) -> None:
    person = n1.user(2011)
    await start(person)
    await act(person, journey.CONSENT_YES)
    before = len(await person.messages())
    await person.send_command(command)
    [*_, first, prompt] = await person.wait_for_messages(before + 2)
    assert first.text == journey.FINISH_SETUP_FIRST
    assert prompt.text == journey.ZONE


@pytest.mark.parametrize(
    "command", ["/checkin", "/settings", "/pause", "/resume", "/stop"], ids=lambda c: c[1:]
)
async def test_commands_from_someone_n1_has_not_met_get_a_pointer_to_start(
    n1: RunningN1, command: str
) -> None:
    person = n1.user(2012)
    await person.send_command(command)
    [reply] = await person.wait_for_messages(1)
    assert reply.text == settings_texts.NOT_STARTED


NONSENSE = ("blah", "x" * 5000, "😀" * 3000, "\u202e\u0000\u200b", "/notacommand")


async def test_nonsense_at_every_step_gets_a_reply_and_changes_nothing(n1: RunningN1) -> None:
    person = n1.user(2013)
    await start(person)
    steps = [
        (journey.CONSENT_YES, False),
        ("UK (London)", False),
        ("Every day", False),
        ("09:00", False),
        ("Sun", False),
        ("18:00", False),
        ("Yes, keep that", False),
        ("walk the dog", True),
    ]
    for action, typed in steps:
        step_before = (await patient_of(n1, person)).onboarding_step
        for text in NONSENSE:
            count = len(await person.messages())
            if text.startswith("/"):
                await person.send_command(text)
            else:
                await person.send_text(text)
            await person.wait_for_messages(count + 1)
            assert (await patient_of(n1, person)).onboarding_step == step_before
        await act(person, action, typed=typed)
    before = len(await person.messages())
    await person.press("Done")
    await person.wait_for_messages(before + 2)
    assert (await patient_of(n1, person)).status is PatientStatus.ACTIVE
