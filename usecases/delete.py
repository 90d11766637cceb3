"""/delete: erasure of everything N1 keeps about the person, on a clear yes."""

from __future__ import annotations

from core.callbacks import ChoiceTap
from core.domain import Patient
from core.store.repositories.erasure import the_patient
from messages import settings_texts
from usecases.erasure import erase
from usecases.reaction import Reaction
from usecases.services import Services


async def ask(services: Services, patient: Patient, reaction: Reaction) -> None:
    """/delete: explain, and ask for a clear yes."""
    del services, patient
    reaction.send("delete_prompt", settings_texts.delete_prompt())


async def on_choice(
    services: Services, patient: Patient, tap: ChoiceTap, reaction: Reaction
) -> None:
    """Erase everything at once on "yes": every row of theirs in every table, and, on
    SQLite, the files' old copies of it too (`usecases.erasure`)."""
    if tap.choice != "yes":
        reaction.answer = settings_texts.KEPT
        reaction.send("delete_kept", settings_texts.KEPT)
        return
    await erase(services.session_factory, the_patient(patient.id))
    reaction.answer = settings_texts.DELETED_SHORT
    reaction.send("deleted", settings_texts.DELETED)
