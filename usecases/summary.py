"""/summary, and the answer to "what would you like to do a little more of next week?"."""

from __future__ import annotations

from core.domain import Patient, ScheduleKind
from core.journey import clean_words
from core.store.repositories import (
    PatientRepository,
    ScheduleRepository,
    WeeklySummaryRepository,
)
from messages import summary_texts
from messages.summary import no_summary_yet
from messages.when import in_words
from scheduler.schedules import patient_zone
from usecases.reaction import Reaction
from usecases.services import Services


async def show(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/summary: the latest weekly summary, or when the first one will come."""
    async with services.session_factory() as session:
        latest = await WeeklySummaryRepository(session).latest(patient.id)
        if latest is not None:
            reaction.send(
                "summary_view", summary_texts.latest_summary(latest.week_start, latest.text)
            )
            return
        schedule = await ScheduleRepository(session).get(patient.id, ScheduleKind.SUMMARY)
    when = None
    if schedule is not None and schedule.next_due_at is not None:
        when = in_words(schedule.next_due_at, patient_zone(patient))
    reaction.send("summary_view", no_summary_yet(when))


async def keep_focus(services: Services, patient: Patient, text: str, reaction: Reaction) -> None:
    """Keep what they would like a little more of; next week's summary mentions it."""
    now = services.clock.now()
    focus = clean_words(text)
    async with services.session_factory.begin() as session:
        await PatientRepository(session).set_awaiting(patient.id, None, now)
        if focus:
            await WeeklySummaryRepository(session).set_next_focus(patient.id, focus, now)
    reaction.send("focus_saved", summary_texts.FOCUS_SAVED if focus else summary_texts.FOCUS_EMPTY)
