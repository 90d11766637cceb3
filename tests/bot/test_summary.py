"""The weekly summary as a person receives it: a chart, kind words, and their own next step."""

from __future__ import annotations

from bot.jobs import delivery_jobs
from core.store.repositories import WeeklySummaryRepository
from messages import summary_texts
from tests.bot.conftest import RunningN1
from tests.bot.journey_steps import answer_check_in, onboard, patient_of
from tests.scheduler.helpers import utc


async def test_sunday_brings_a_chart_and_summary_and_the_answer_is_kept(n1: RunningN1) -> None:
    person = n1.user(7001)
    patient = await onboard(n1, person)
    # Answer the baseline, so the week has a check-in.
    await answer_check_in(person)
    before = len(await person.messages())
    await person.send_command("/summary")
    [*_, not_yet] = await person.wait_for_messages(before + 1)
    assert "summary" in (not_yet.text or "").lower()
    jobs = delivery_jobs(n1.application)
    assert jobs is not None
    before = len(await person.messages())
    n1.clock.set(utc(2027, 1, 10, 18))  # Sunday 18:00 in London: summary time
    assert await jobs.tick_now() is not None
    [*_, chart, words] = await person.wait_for_messages(
        lambda ms: sum(m.has_photo for m in ms) == 1 and len(ms) >= before + 2, timeout=20
    )
    assert chart.has_photo
    assert chart.text  # the caption
    assert "streak" not in (chart.text + (words.text or "")).lower()
    assert "next week" in (words.text or "")
    # Their answer to "a little more of next week" is kept for next week's summary.
    await person.send_text("walk to the park")
    [*_, thanks] = await person.wait_for_messages(
        lambda ms: ms[-1].text == summary_texts.FOCUS_SAVED
    )
    assert thanks.text == summary_texts.FOCUS_SAVED
    async with n1.services.session_factory() as session:
        latest = await WeeklySummaryRepository(session).latest(patient.id)
    assert latest is not None
    assert latest.next_focus == "walk to the park"
    assert (await patient_of(n1, person)).awaiting is None
    # /summary shows it again.
    await person.send_command("/summary")
    [*_, again] = await person.wait_for_messages(lambda ms: "week of" in (ms[-1].text or ""))
    assert latest.text in (again.text or "")
