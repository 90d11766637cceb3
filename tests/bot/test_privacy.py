"""/export gives a person everything they provided; /delete erases it all at once."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.jobs import RETENTION_JOB, delivery_jobs
from core.domain import Patient
from core.safety import Category
from core.store.engine import clear_write_ahead_log
from core.store.repositories import PatientRepository
from core.store.repositories._common import table_of
from core.store.sealed import SEALED
from core.store.tables import ActivityRow, AnswerRow, CheckInRow, ConsentRow, metadata
from messages import checkin_texts, scheduled, settings_texts, summary_texts
from messages.checkin_message import NOTE_LABEL
from sandbox import SimulatedUser
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import (
    Answers,
    act,
    answer_check_in,
    eventually,
    onboard,
    patient_of,
    safety_events,
    security_events,
)
from tests.scheduler.helpers import utc


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


# --- erasure leaves nothing behind -------------------------------------------------------------

# Made-up words the person types, so finding them anywhere can only mean their data survived.
ACTIVITY = "Glorbnak juggling"
NOTE = "Zorbulating felt hard today, my bum has gone numb and I can't pee"
FOCUS = "more Frobnicate stretches"
TYPED = ("Glorbnak", "Zorbulating", "bum has gone numb", "Frobnicate")
# A Telegram id no other number in the store is likely to equal by chance.
PERSON_ID = 918273645


async def _journey_with_everything(n1: RunningN1, person: SimulatedUser) -> Patient:
    """Onboarding, a note with a red flag, a nudge, a weekly summary and its typed answer,
    and a forged tap: a row of theirs in every table N1 has."""
    patient = await onboard(n1, person, Answers(activities=(ACTIVITY,)))
    await answer_check_in(person)
    before = len(await person.messages())
    await person.press(NOTE_LABEL)
    await person.wait_for_messages(before + 1)
    await person.send_text(NOTE)
    # The red-flag signposting, then the note is kept.
    [*_, saved] = await person.wait_for_messages(before + 3)
    assert saved.text == checkin_texts.NOTE_SAVED
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    before = len(await person.messages())
    n1.clock.set(utc(2027, 1, 5, 9))  # Tuesday 09:00: a check-in
    assert await jobs.tick_now() is not None
    [*_, tuesday] = await person.wait_for_messages(before + 1)
    await eventually(lambda: _shown(n1, tuesday.message_id))
    n1.clock.set(utc(2027, 1, 5, 12, 5))  # unanswered three hours on: the nudge
    assert await jobs.tick_now() is not None
    [*_, nudge] = await person.wait_for_messages(before + 2)
    assert nudge.labels == [scheduled.LATER_TODAY, scheduled.NOT_TODAY]
    before = len(await person.messages())
    n1.clock.set(utc(2027, 1, 10, 18))  # Sunday 18:00: the weekly summary
    assert await jobs.tick_now() is not None
    await person.wait_for_messages(
        lambda ms: sum(m.has_photo for m in ms) == 1 and len(ms) >= before + 2, timeout=20
    )
    await person.send_text(FOCUS)
    await person.wait_for_messages(lambda ms: ms[-1].text == summary_texts.FOCUS_SAVED)
    # A forged tap: Tuesday's button data with its answer changed.
    data = tuesday.button(tuesday.labels[0]).callback_data
    assert data is not None
    answered = len(await person.callback_answers())
    await person.press_data(tuesday.message_id, data.replace(":1:", ":2:", 1))
    await person.wait_for_answers(answered + 1)
    assert "callback_invalid" in await security_events(n1)
    assert (patient.id, Category.EMERGENCY.value) in await safety_events(n1)
    return patient


async def _shown(n1: RunningN1, message_id: int) -> bool:
    async with n1.services.session_factory() as session:
        found = await session.scalar(
            select(func.count()).where(CheckInRow.telegram_message_id == message_id)
        )
    return found == 1


async def _traces(n1: RunningN1, patient: Patient, stored: tuple[str, ...] = ()) -> list[str]:
    """Every cell of every table (by the tables' metadata, so new tables are covered) that
    refers to the person: their patient id in a column pointing at patients, their Telegram
    user id or chat id in any column, any of the words they typed, or any of `stored` (their
    words as the store held them, encrypted)."""
    found: list[str] = []
    async with n1.services.session_factory() as session:
        for table in metadata.sorted_tables:
            for row in (await session.execute(select(table))).mappings():
                for column in table.c:
                    value = row[column]
                    points_at_patients = any(
                        key.column.table.name == "patients" for key in column.foreign_keys
                    )
                    if points_at_patients and value == patient.id:
                        found.append(f"{table.name}.{column.name}: their patient id")
                    if value in (patient.telegram_user_id, patient.chat_id):
                        found.append(f"{table.name}.{column.name}: their Telegram id")
                    text = json.dumps(value, default=str)
                    for word in (*TYPED, *stored, str(patient.telegram_user_id)):
                        if word in text:
                            found.append(f"{table.name}.{column.name}: {word!r}")
    return found


def _database_files(n1: RunningN1) -> list[Path]:
    """The SQLite database and its write-ahead log and shared-memory files."""
    database = make_url(n1.settings.database_url).database
    assert database is not None
    return [Path(database + suffix) for suffix in ("", "-wal", "-shm")]


def _file_bytes(n1: RunningN1) -> bytes:
    return b"".join(path.read_bytes() for path in _database_files(n1) if path.exists())


async def _their_ciphertexts(n1: RunningN1, patient: Patient) -> list[str]:
    """Their words as the store holds them (encrypted): every sealed value of theirs."""
    tokens: list[str] = []
    async with n1.services.session_factory() as session:
        for sealed in SEALED:
            table = table_of(sealed.model)
            column, owner = table.c[sealed.column], table.c.patient_id
            for value in await session.scalars(select(column).where(owner == patient.id)):
                if value is not None and (token := sealed.text_of(value)) is not None:
                    tokens.append(token)
    return tokens


async def test_delete_leaves_no_trace_in_any_table_or_file(n1: RunningN1) -> None:
    bystander = n1.user(6010, "Sam")
    await onboard(n1, bystander)
    person = n1.user(PERSON_ID)
    patient = await _journey_with_everything(n1, person)
    assert len(await _traces(n1, patient)) > 10  # the scan sees what is there
    # Their words are stored encrypted: the files can only hold them as these tokens.
    ciphertexts = await _their_ciphertexts(n1, patient)
    assert len(ciphertexts) >= 4  # an activity, a note, a summary, a focus at least
    sqlite = make_url(n1.settings.database_url).get_backend_name() == "sqlite"
    if sqlite:
        # Into the database file itself, as SQLite's own checkpoints do once the log grows.
        await clear_write_ahead_log(n1.services.session_factory)
        content = _file_bytes(n1)
        assert all(token.encode() in content for token in ciphertexts)
        assert not any(word.encode() in content for word in TYPED)
    before = len(await person.messages())
    await person.send_command("/delete")
    await person.wait_for_messages(before + 1)
    [*_, deleted] = await act(person, "Yes, delete everything")
    assert deleted.text == settings_texts.DELETED
    assert await _traces(n1, patient, tuple(ciphertexts)) == []
    # Someone else's data is untouched.
    assert await patient_of(n1, bystander) is not None
    if sqlite:
        for path in _database_files(n1):
            content = path.read_bytes() if path.exists() else b""
            for secret in (*TYPED, *ciphertexts):
                assert secret.encode() not in content, f"{secret[:12]!r} is still in {path.name}"


async def test_the_daily_retention_job_erases_someone_not_heard_from_for_the_period(
    n1: RunningN1,
) -> None:
    person = n1.user(6030)
    await onboard(n1, person)
    job_queue = n1.application.job_queue
    assert job_queue is not None
    [job] = job_queue.get_jobs_by_name(RETENTION_JOB)
    assert job.job.trigger.interval == timedelta(days=1)
    await job.run(n1.application)
    assert await patient_of(n1, person) is not None  # heard from today
    n1.clock.advance(timedelta(days=31 * n1.settings.retention_months))
    await job.run(n1.application)
    async with n1.services.session_factory() as session:
        assert await PatientRepository(session).get_by_telegram_id(person.id) is None
