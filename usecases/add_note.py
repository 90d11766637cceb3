"""The note typed after "Add a note" on a check-in."""

from __future__ import annotations

from core.conversation import AwaitingNote
from core.domain import Patient
from core.journey import MAX_NOTE_LENGTH, clean_words
from core.store.repositories import CheckInRepository, PatientRepository
from messages import checkin_texts
from usecases.reaction import Reaction
from usecases.services import Services


async def add_note(
    services: Services, patient: Patient, awaiting: AwaitingNote, text: str, reaction: Reaction
) -> None:
    """Keep the person's note with their check-in (their own words, tidied)."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        await PatientRepository(session).set_awaiting(patient.id, None, now)
        check_ins = CheckInRepository(session)
        check_in = await check_ins.get(awaiting.check_in_id)
        if check_in is None or check_in.patient_id != patient.id:
            reaction.send("not_understood", checkin_texts.NOTE_LOST)
            return
        note = clean_words(text)[:MAX_NOTE_LENGTH]
        if not note:
            reaction.send("note_empty", checkin_texts.NOTE_EMPTY)
            return
        await check_ins.set_note(check_in.id, note)
    reaction.send("note_saved", checkin_texts.NOTE_SAVED)
