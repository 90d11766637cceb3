"""/export and /delete: a person's own copy of their data, and erasure on request."""

from __future__ import annotations

from bot.flows.reaction import Document, Reaction
from bot.services import Services
from core.callbacks import ChoiceTap
from core.domain import Patient
from core.store.repositories import ActivityRepository, ExportRepository, PatientRepository
from messages import settings_texts
from messages.export_format import as_csv, as_json


async def export(services: Services, patient: Patient, reaction: Reaction) -> None:
    """Send everything the person provided, as JSON and as CSV."""
    async with services.session_factory() as session:
        data = await ExportRepository(session).everything(patient.id)
        activities = await ActivityRepository(session).labels(patient.id)
    day = services.clock.now().date().isoformat()
    reaction.send("export_intro", settings_texts.EXPORT_INTRO)
    reaction.documents += [
        Document(f"n1-{day}.json", as_json(data), settings_texts.EXPORT_CAPTION_JSON),
        Document(
            f"n1-answers-{day}.csv", as_csv(data, activities), settings_texts.EXPORT_CAPTION_CSV
        ),
    ]


async def ask_delete(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/delete: explain, and ask for a clear yes."""
    del services, patient
    reaction.send("delete_prompt", settings_texts.delete_prompt())


async def on_delete_choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """Erase everything at once on "yes"; the database cascades to every row of theirs."""
    if tap.choice != "yes":
        reaction.answer = settings_texts.KEPT
        reaction.send("delete_kept", settings_texts.KEPT)
        return
    async with services.session_factory.begin() as session:
        await PatientRepository(session).delete(patient.id)
    reaction.answer = "Deleted"
    reaction.send("deleted", settings_texts.DELETED)
