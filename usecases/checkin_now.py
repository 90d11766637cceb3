"""/checkin: today's open check-in if there is one, otherwise a new one for today."""

from __future__ import annotations

from core.domain import CheckInSlot, Patient
from core.store.repositories import CheckInRepository
from messages import checkin_texts
from messages.checkin_message import render_checkin
from scheduler.checkins import CheckInRequest, open_to_show
from scheduler.schedules import local_today, window_from
from usecases.consent import in_force
from usecases.reaction import Reaction
from usecases.services import Services
from usecases.upcoming import next_checkin_in_words

# Today's check-ins that /checkin points to rather than opening another, in this order.
_TODAYS = (CheckInSlot.DAILY.value, CheckInSlot.BASELINE.value, CheckInSlot.ONDEMAND.value)


async def checkin_now(services: Services, patient: Patient, reaction: Reaction) -> None:
    """Point to today's open check-in, or say today's is done, or open one now (only for
    someone whose consent is in force: nothing is kept otherwise)."""
    now = services.clock.now()
    today = local_today(patient, now)
    async with services.session_factory.begin() as session:
        if not await in_force(session, patient.id):
            reaction.send("no_consent", checkin_texts.NO_CONSENT)
            return
        todays = {
            c.slot: c
            for c in await CheckInRepository(session).on_dates({(patient.id, today)})
            if c.telegram_message_id is not None
        }
        for slot in _TODAYS:
            existing = todays.get(slot)
            if existing is None:
                continue
            if existing.is_open(now):
                reaction.reply_to_message_id = existing.telegram_message_id
                reaction.send("checkin_pointer", checkin_texts.TODAYS_IS_HERE)
                return
            if slot == CheckInSlot.ONDEMAND.value:
                next_in_words = next_checkin_in_words(patient, now)
                reaction.send(
                    "checkin_done_today",
                    checkin_texts.done_today(next_in_words or checkin_texts.NO_NEXT_CHECKIN),
                )
                return
        request = CheckInRequest(
            patient=patient,
            local_date=today,
            slot=CheckInSlot.ONDEMAND,
            closes_at=window_from(patient, now),
        )
        state = await open_to_show(session, request, now=now)
    reaction.send("checkin", render_checkin(state, services.codec), state.check_in.id)
