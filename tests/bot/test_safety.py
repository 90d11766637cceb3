"""Red flags and crisis language in anything typed get the fixed signposting message first."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.store.tables import SecurityEventRow
from messages.schema import SafetySituation
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import answer_check_in, onboard, patient_of
from tests.messages.helpers import shipped


async def _events(n1: RunningN1) -> list[tuple[str, str | None]]:
    async with n1.services.session_factory() as session:
        rows = await session.execute(select(SecurityEventRow.kind, SecurityEventRow.detail))
        return [(kind, detail) for kind, detail in rows.all()]


async def test_a_red_flag_outside_any_flow_gets_the_999_message(n1: RunningN1) -> None:
    person = n1.user(5001)
    await onboard(n1, person)
    before = len(await person.messages())
    await person.send_text("I've got numbness around my bottom since this morning")
    [*_, reply] = await person.wait_for_messages(before + 1)
    assert reply.text == shipped().safety(SafetySituation.RED_FLAG).text
    assert "999" in (reply.text or "")
    assert await _events(n1) == [("safety_red_flag", None)]


async def test_crisis_language_in_a_note_signposts_saves_the_note_and_stops_nudges_today(
    n1: RunningN1,
) -> None:
    person = n1.user(5002)
    await onboard(n1, person)
    await answer_check_in(person, "Skip")
    before = len(await person.messages())
    await person.press("Add a note")
    await person.wait_for_messages(before + 1)
    await person.send_text("honestly some days I don't want to be alive")
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
    assert ("safety_crisis", None) in await _events(n1)


async def test_someone_n1_has_not_met_still_gets_the_signpost(n1: RunningN1) -> None:
    person = n1.user(5003)
    await person.send_text("I want to kill myself")
    [reply] = await person.wait_for_messages(1)
    assert reply.text == shipped().safety(SafetySituation.CRISIS).text
