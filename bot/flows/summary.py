"""/summary, and the answer to "what would you like to do a little more of next week?"."""

from __future__ import annotations

from bot.flows.preferences import clean_label
from bot.flows.reaction import Reaction
from bot.services import Services
from core.domain import Patient
from core.store.repositories import PatientRepository, WeeklySummaryRepository
from messages import summary_texts
from scheduler.summaries import summary_for_command


async def show(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/summary: the latest weekly summary, or when the first one will come."""
    async with services.session_factory() as session:
        view = await summary_for_command(session, patient)
    reaction.send("summary_view", view.text)


async def on_focus(services: Services, patient: Patient, text: str, reaction: Reaction) -> None:
    """Keep what they would like a little more of; next week's summary mentions it."""
    now = services.clock.now()
    focus = clean_label(text)
    async with services.session_factory.begin() as session:
        await PatientRepository(session).set_awaiting_input(patient.id, None, now)
        if focus:
            await WeeklySummaryRepository(session).set_next_focus(patient.id, focus, now)
    reaction.send("focus_saved", summary_texts.FOCUS_SAVED if focus else summary_texts.FOCUS_EMPTY)
