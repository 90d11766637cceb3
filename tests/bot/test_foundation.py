"""What a person sees of N1 before any check-in exists: introduction, help, kind replies."""

from __future__ import annotations

import gc

import pytest
from sqlalchemy import func, select

from bot.app import build_application, running_bot
from bot.handlers.registry import all_commands
from core.store.repositories import PatientRepository
from core.store.tables import PatientRow
from messages import journey, texts
from tests.bot.conftest import TOKEN, RunningN1
from tests.messages.helpers import shipped


async def test_start_introduces_n1_and_says_what_it_is_not(n1: RunningN1) -> None:
    person = n1.user(101)
    await person.send_command("/start")
    intro, consent = await person.wait_for_messages(2)
    assert intro.text is not None
    assert "not a medical service" in intro.text
    assert "999" in intro.text
    assert "NHS 111" in intro.text
    assert consent.labels == ["Yes, keep my answers", "No, not now"]


async def test_start_twice_keeps_one_patient(n1: RunningN1) -> None:
    person = n1.user(102)
    await person.send_command("/start")
    await person.wait_for_messages(2)
    await person.send_command("/start")
    await person.wait_for_messages(3)
    async with n1.services.session_factory() as session:
        patient = await PatientRepository(session).get_by_telegram_id(102)
        assert patient is not None
        assert patient.chat_id == 102
        assert await session.scalar(select(func.count()).select_from(PatientRow)) == 1


async def test_a_join_code_from_a_cohort_link_is_remembered(n1: RunningN1) -> None:
    person = n1.user(103)
    await person.send_command("/start", "physio-tues")
    kind_word, intro, consent = await person.wait_for_messages(3)
    assert intro.text == texts.INTRO
    assert kind_word.text == journey.JOIN_CODE_UNKNOWN
    assert consent.labels == [journey.CONSENT_YES, journey.CONSENT_NO]
    async with n1.services.session_factory() as session:
        patient = await PatientRepository(session).get_by_telegram_id(103)
    assert patient is not None
    assert patient.join_code == "physio-tues"


async def test_the_command_menu_is_registered_with_telegram(n1: RunningN1) -> None:
    commands = await n1.application.bot.get_my_commands()
    assert [command.command for command in commands] == [
        command.name for command in all_commands()
    ]
    assert {"start", "checkin", "settings", "pause", "resume", "stop", "help", "privacy"} <= {
        command.command for command in commands
    }
    assert all(command.description for command in commands)


async def test_help_lists_every_menu_command_and_the_safety_line(n1: RunningN1) -> None:
    person = n1.user(104)
    await person.send_command("/help")
    [help_message] = await person.wait_for_messages(1)
    assert help_message.text is not None
    for command in all_commands():
        assert f"/{command.name}" in help_message.text
    assert "not watched in real time" in help_message.text


async def test_privacy_says_telegram_keeps_its_own_copy(n1: RunningN1) -> None:
    person = n1.user(105)
    await person.send_command("/privacy")
    [privacy] = await person.wait_for_messages(1)
    assert privacy.text == texts.PRIVACY


@pytest.mark.parametrize(
    "typed",
    [
        "hello?",
        "x" * 5000,
        "😀" * 2000,
        "\u202e\u200b\u0000zero width and control characters",
        "/nosuchcommand",
    ],
    ids=["question", "5000-characters", "emoji-only", "odd-unicode", "unknown-command"],
)
async def test_anything_unexpected_gets_a_kind_pointer_to_help(n1: RunningN1, typed: str) -> None:
    person = n1.user(106)
    await person.send_text(typed)
    [answer] = await person.wait_for_messages(1)
    assert answer.text == texts.NOT_UNDERSTOOD


async def test_every_message_gets_exactly_one_reply(n1: RunningN1) -> None:
    person = n1.user(107)
    sent = ["/help", "what now", "/privacy", "🙂", "/settings"]
    for text in sent:
        if text.startswith("/"):
            await person.send_command(text)
        else:
            await person.send_text(text)
    replies = await person.wait_for_messages(len(sent))
    assert len(replies) == len(sent)
    assert all(reply.text != texts.SOMETHING_WENT_WRONG for reply in replies)


async def test_n1_run_freezes_what_start_up_left_so_collections_stay_short(
    n1: RunningN1,
) -> None:
    # `n1 run` builds the bot with freeze_heap=True (its process lives as long as the bot):
    # the garbage collector then never walks start-up's objects during a busy tick.
    await n1.stop()
    application = build_application(
        n1.settings, n1.clock, token=TOKEN, catalogue=shipped(), freeze_heap=True
    )
    gc.unfreeze()
    try:
        async with running_bot(application):
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test run collects normally
