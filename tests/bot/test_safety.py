"""Signs that need care now, care today or crisis support, in anything typed, get the fixed
signposting message first; nudges stop for the day; the event is kept without the text."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.jobs import delivery_jobs
from core.safety import Category
from core.store.repositories._common import cipher_of, table_of
from core.store.sealed import SEALED
from core.store.tables import Base
from messages.schema import SafetySituation
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import (
    answer_check_in,
    onboard,
    patient_of,
    safety_events,
    security_events,
    tuesday_check_in,
)
from tests.messages.helpers import shipped
from tests.scheduler.helpers import utc


async def _everything_stored(n1: RunningN1) -> str:
    """Every value in every table, and every encrypted word decrypted, as one text to search."""
    values: list[str] = []
    async with n1.services.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in (await session.execute(select(table))).all():
                values.extend(repr(value) for value in row)
        cipher = cipher_of(session)
        for sealed in SEALED:
            column = table_of(sealed.model).c[sealed.column]
            for value in await session.scalars(select(column).where(column.is_not(None))):
                if (token := sealed.text_of(value)) is not None:
                    values.append(cipher.decrypt(token))
    return "\n".join(values).lower()


async def test_an_urgent_sign_gets_the_gp_today_message_no_nudge_that_day_and_no_text_kept(
    n1: RunningN1,
) -> None:
    person, patient, _shown = await tuesday_check_in(n1, 5004)
    jobs = delivery_jobs(n1.application)
    assert jobs is not None

    n1.clock.set(utc(2027, 1, 5, 10))
    typed = "Been shivery and sweating all night, feverish"
    await person.send_text(typed)
    _, reply = await person.wait_for_messages(2)
    assert reply.text == shipped().safety(SafetySituation.URGENT).text
    assert "GP today" in (reply.text or "")

    n1.clock.set(utc(2027, 1, 5, 12))  # when the unanswered check-in's nudge was due
    report = await jobs.tick_now()
    assert report is not None
    assert report.nudges_queued == 0
    assert len(await person.messages()) == 2

    assert await safety_events(n1) == [(patient.id, Category.URGENT.value)]
    stored = await _everything_stored(n1)
    assert typed.lower() not in stored
    assert "shivery" not in stored
    assert await security_events(n1) == []


async def test_a_message_with_emergency_and_crisis_content_gets_both_emergency_first(
    n1: RunningN1,
) -> None:
    person = n1.user(5001)
    patient = await onboard(n1, person)
    before = len(await person.messages())
    await person.send_text("sharp pain in my chest and honestly I just want to die")
    [*_, first, second] = await person.wait_for_messages(before + 2)
    assert first.text == shipped().safety(SafetySituation.EMERGENCY).text
    assert second.text == shipped().safety(SafetySituation.CRISIS).text
    assert len(await person.messages()) == before + 2  # and nothing else
    assert await safety_events(n1) == [
        (patient.id, Category.EMERGENCY.value),
        (patient.id, Category.CRISIS.value),
    ]


async def test_an_emergency_sign_outside_any_flow_gets_the_999_message(n1: RunningN1) -> None:
    person = n1.user(5005)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_text("numbess round my bum since this morning")
    [*_, reply] = await person.wait_for_messages(before + 1)
    assert reply.text == shipped().safety(SafetySituation.EMERGENCY).text
    assert "Call 999 or go to A&E now" in (reply.text or "")


async def test_crisis_language_in_a_note_signposts_saves_the_note_and_stops_nudges_today(
    n1: RunningN1,
) -> None:
    person = n1.user(5002)
    await onboard(n1, person)
    await answer_check_in(person, "Skip")
    before = len(await person.messages())
    await person.press("Add a note")
    await person.wait_for_messages(before + 1)
    await person.send_text("some days I don't see a way out")
    [*_, signpost, saved] = await person.wait_for_messages(before + 3)
    assert signpost.text == shipped().safety(SafetySituation.CRISIS).text
    assert "116 123" in (signpost.text or "")
    assert "SHOUT" in (signpost.text or "")
    assert saved.text is not None
    assert "saved" in saved.text
    patient = await patient_of(n1, person)
    assert patient.nudges_paused_until_at is not None
    # Until the end of the person's own day (London: midnight UTC in January).
    assert patient.nudges_paused_until_at - n1.clock.now() <= timedelta(hours=15)
    assert patient.nudges_paused_until_at.hour == 0
    assert (patient.id, Category.CRISIS.value) in await safety_events(n1)


async def test_someone_n1_has_not_met_still_gets_the_signpost(n1: RunningN1) -> None:
    person = n1.user(5003)
    await person.send_text("havent had a wee since yesterday morning")
    [reply] = await person.wait_for_messages(1)
    assert reply.text == shipped().safety(SafetySituation.EMERGENCY).text
    assert await safety_events(n1) == [(None, Category.EMERGENCY.value)]


async def test_a_figure_of_speech_is_not_signposted(n1: RunningN1) -> None:
    person = n1.user(5006)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_text("my back is killing me but I could murder a cup of tea")
    [*_, reply] = await person.wait_for_messages(before + 1)
    assert reply.text != shipped().safety(SafetySituation.EMERGENCY).text
    assert await safety_events(n1) == []
