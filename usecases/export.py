"""/export: a copy of everything the person has given N1, as JSON and as CSV."""

from __future__ import annotations

from core.domain import Patient
from core.store.repositories import ExportRepository
from messages import settings_texts
from messages.export_format import as_csv, as_json, csv_file_name, json_file_name
from scheduler.schedules import local_today
from usecases.reaction import Document, Reaction
from usecases.services import Services


async def export(services: Services, patient: Patient, reaction: Reaction) -> None:
    """Send everything the person provided, as JSON and as CSV."""
    async with services.session_factory() as session:
        data = await ExportRepository(session).everything(patient.id)
    # The CSV names each activity answer by the person's own words, already in the export.
    activities = {row["position"]: row["label"] for row in data["activities"]}
    day = local_today(patient, services.clock.now())
    reaction.send("export_intro", settings_texts.EXPORT_INTRO)
    reaction.documents += [
        Document(json_file_name(day), as_json(data), settings_texts.EXPORT_CAPTION_JSON),
        Document(csv_file_name(day), as_csv(data, activities), settings_texts.EXPORT_CAPTION_CSV),
    ]
