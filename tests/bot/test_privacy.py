"""/export gives a person everything they provided; /delete erases it all at once."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import func, select

from core.store.repositories import PatientRepository
from core.store.tables import ActivityRow, AnswerRow, CheckInRow, ConsentRow
from messages import settings_texts
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import act, onboard


async def test_export_sends_json_and_csv_of_everything_they_gave(n1: RunningN1) -> None:
    person = n1.user(6001)
    await onboard(n1, person)
    answered = len(await person.callback_answers())
    await person.press("Fairly free")
    await person.wait_for_answers(answered + 1)
    before = len(await person.messages())
    await person.send_command("/export")
    [*_, intro, json_file, csv_file] = await person.wait_for_messages(before + 3)
    assert intro.text == settings_texts.EXPORT_INTRO
    assert json_file.has_document
    assert csv_file.has_document
    assert json_file.file_name is not None
    assert json_file.file_name.endswith(".json")
    bot = n1.application.bot
    assert json_file.file_id is not None
    assert csv_file.file_id is not None
    exported = json.loads(await (await bot.get_file(json_file.file_id)).download_as_bytearray())
    assert exported["preferences"]["time_zone"] == "Europe/London"
    assert exported["activities"] == [{"position": 1, "label": "walk the dog"}]
    assert exported["consents"][0]["granted"] is True
    [baseline] = exported["check_ins"]
    assert baseline["answers"][0]["item"] == "moving_freely"
    assert baseline["answers"][0]["in_words"] == "Fairly free"
    raw = await (await bot.get_file(csv_file.file_id)).download_as_bytearray()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [
        {
            "date": "2027-01-04",
            "check_in": "baseline",
            "question": "moving_freely",
            "answer": "4",
            "in_words": "Fairly free",
            "answered_at": "2027-01-04T09:00:00+00:00",
            "note": "",
        }
    ]


async def test_export_lists_the_signposts_given_but_never_what_was_typed(n1: RunningN1) -> None:
    person = n1.user(6003)
    await onboard(n1, person)
    before = len(await person.messages())
    typed = "lost a stone without trying"
    await person.send_text(typed)
    await person.wait_for_messages(before + 1)
    before = len(await person.messages())
    await person.send_command("/export")
    [*_, json_file, _csv_file] = await person.wait_for_messages(before + 3)
    assert json_file.file_id is not None
    raw = await (await n1.application.bot.get_file(json_file.file_id)).download_as_bytearray()
    exported = json.loads(raw)
    assert exported["safety_events"] == [
        {"category": "urgent", "created_at": n1.clock.now().isoformat()}
    ]
    assert "stone" not in raw.decode("utf-8")


async def test_delete_erases_everything_after_a_clear_yes(n1: RunningN1) -> None:
    person = n1.user(6002)
    await onboard(n1, person)
    answered = len(await person.callback_answers())
    await person.press("Stiff")
    await person.wait_for_answers(answered + 1)
    before = len(await person.messages())
    await person.send_command("/delete")
    [*_, prompt] = await person.wait_for_messages(before + 1)
    assert "Telegram keeps its own copy" in (prompt.text or "")
    [*_, kept] = await act(person, "No, keep it")
    assert kept.text == settings_texts.KEPT
    await person.send_command("/delete")
    await person.wait_for_messages(before + 3)
    [*_, deleted] = await act(person, "Yes, delete everything")
    assert deleted.text == settings_texts.DELETED
    async with n1.services.session_factory() as session:
        assert await PatientRepository(session).get_by_telegram_id(person.id) is None
        for table in (ActivityRow, AnswerRow, CheckInRow, ConsentRow):
            assert await session.scalar(select(func.count()).select_from(table)) == 0
