"""The dispatcher's side of the store: reading due messages, marking them `sending`, and
recording what became of them.

Messages are read, not claimed; they are marked `sending` a small group at a time just
before their turn, so a kill leaves in doubt only what was marked. A check-in the tick
queued (naming only its check-in) is rendered and signed when its group is marked, from the
check-in as stored; if the check-in is gone by then (the person erased their data), or a
scheduled message's person is no longer active (stopped, consent withdrawn, unreachable), it
is not sent and its row is marked failed. Outcomes are recorded a group at a time, in one
transaction, with what each changes besides its row (`scheduler.after_send`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.callbacks import CallbackCodec
from core.clock import Clock
from core.domain import CHECK_IN_KEY, OutboxKind, OutboxMessage, Patient
from core.ports import OutgoingMessage, SendResult, SendStatus
from core.store.repositories import OutboxRepository, PatientRepository
from core.store.repositories.outbox import SentMessage
from messages.checkin_message import render_checkin
from scheduler.after_send import Delivered, after_blocked, after_sent
from scheduler.checkins import checkin_states
from scheduler.schedules import active_at
from scheduler.sending import SCHEDULED, DispatchReport, Outcome, quiet_hours_hold

logger = logging.getLogger(__name__)

RECOVERED_ERROR: Final = "dispatcher stopped mid-send; may have been delivered"


@dataclass(frozen=True, slots=True)
class Marked:
    """A message marked `sending`, with what exactly goes out."""

    message: OutboxMessage
    outgoing: OutgoingMessage


class OutboxStore:
    """Reads, marks and settles the outbox for the dispatcher, each in a short transaction."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        *,
        clock: Clock,
        codec: CallbackCodec,
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock
        self._codec = codec

    async def recover(self) -> int:
        """Mark what a dispatcher that died left `sending` as `uncertain` (never resent)."""
        async with self._session_factory.begin() as session:
            return await OutboxRepository(session).recover_sending(error=RECOVERED_ERROR)

    async def earliest_pending(self) -> datetime | None:
        """When the next queued message may go, if any is queued."""
        async with self._session_factory() as session:
            return await OutboxRepository(session).earliest_pending()

    async def read_due(
        self, skip: set[int], limit: int, patients: dict[int, Patient]
    ) -> tuple[list[OutboxMessage], bool]:
        """Due messages not in `skip`, oldest first, and whether more may be due.

        Scheduled messages whose person is in their quiet hours are put off until those
        end. `patients` collects the people of scheduled messages, for one more look at
        their clock just before each message goes.
        """
        now = self._clock.now()
        async with self._session_factory.begin() as session:
            due = await OutboxRepository(session).due(now=now, limit=limit + len(skip))
            more = len(due) == limit + len(skip)
            fresh = [message for message in due if message.id not in skip]
            wanted = {
                m.patient_id for m in fresh if m.patient_id is not None and m.kind in SCHEDULED
            }
            if wanted - patients.keys():
                patients.update(await PatientRepository(session).many(wanted - patients.keys()))
            outbox = OutboxRepository(session)
            ready: list[OutboxMessage] = []
            for message in fresh:
                until = quiet_hours_hold(message, patients, now)
                if until is None:
                    ready.append(message)
                else:
                    await outbox.postpone(message.id, not_before_at=until, error="quiet hours")
        return ready, more

    async def mark(self, group: Sequence[OutboxMessage]) -> tuple[list[Marked], list[Outcome]]:
        """Mark `group` `sending` in one transaction, with what each sends; messages that
        cannot go (their person is not active now, their check-in is gone, their payload
        unreadable) come back as outcomes. Messages given up or put back meanwhile are left
        out."""
        now = self._clock.now()
        async with self._session_factory.begin() as session:
            started = await OutboxRepository(session).start_sending_many(
                [message.id for message in group], now=now
            )
            check_in_ids = {
                m.id: c
                for m in started
                if m.kind == OutboxKind.CHECKIN.value
                and isinstance(c := m.payload.get(CHECK_IN_KEY), int)
            }
            states = await checkin_states(session, set(check_in_ids.values()))
            # Their people as they are now: someone who stopped, withdrew consent or became
            # unreachable since the message was queued is sent nothing.
            people = await PatientRepository(session).many(
                {m.patient_id for m in started if m.patient_id is not None and m.kind in SCHEDULED}
            )
        by_id = {message.id: message for message in started}
        marked: list[Marked] = []
        refused: list[Outcome] = []
        for original in group:  # in the outbox's order, which keeps each chat's order
            message = by_id.get(original.id)
            if message is None:
                continue
            if message.patient_id in people and not active_at(people[message.patient_id], now):
                refused.append(_refused(message, now, "its person is not taking messages"))
                continue
            try:
                check_in_id = check_in_ids.get(message.id)
                if check_in_id is None:
                    outgoing = OutgoingMessage.from_payload(message.payload)
                elif (state := states.get(check_in_id)) is not None:
                    outgoing = render_checkin(state, self._codec)
                else:
                    refused.append(_refused(message, now, "its check-in no longer exists"))
                    continue
            except Exception as error:  # one broken message must not stop the round
                refused.append(
                    _refused(message, now, f"could not be rendered ({type(error).__name__})")
                )
                continue
            marked.append(Marked(message, outgoing))
        return marked, refused

    async def unclaim(self, messages: Sequence[OutboxMessage]) -> None:
        """Put messages marked but never sent back in the queue."""
        try:
            async with self._session_factory.begin() as session:
                await OutboxRepository(session).unclaim([message.id for message in messages])
        except Exception:
            # Left `sending`: the next dispatcher to take the lock marks them uncertain.
            logger.exception("could not put %d unsent message(s) back", len(messages))

    async def record(self, outcomes: Sequence[Outcome], report: DispatchReport) -> bool:
        """Record `outcomes` in one transaction; counts go to `report` once it committed."""
        counts = DispatchReport()
        try:
            async with self._session_factory.begin() as session:
                outbox = OutboxRepository(session)
                delivered = [
                    Delivered(o.message, o.at, o.result.message_id)
                    for o in outcomes
                    if o.result is not None and o.result.status is SendStatus.SENT
                ]
                await outbox.mark_sent_many(
                    [
                        SentMessage(d.message.id, d.sent_at, d.telegram_message_id)
                        for d in delivered
                    ]
                )
                await after_sent(session, delivered)
                for outcome in outcomes:
                    await _record_one(session, outbox, outcome, counts)
        except Exception:
            logger.exception("could not record %d outbox outcome(s)", len(outcomes))
            return False
        report.add(counts)
        for outcome in outcomes:
            result = outcome.result
            if result is None or result.status is not SendStatus.SENT:
                # Ids, statuses and Telegram's description only: never the message text.
                error = outcome.note if result is None else (result.error or result.status.value)
                logger.info("outbox %d (%s): %s", outcome.message.id, outcome.message.kind, error)
        return True


def _refused(message: OutboxMessage, at: datetime, why: str) -> Outcome:
    return Outcome(message, at, SendResult(SendStatus.REJECTED, error=f"not sent: {why}"))


async def _record_one(
    session: AsyncSession, outbox: OutboxRepository, outcome: Outcome, counts: DispatchReport
) -> None:
    message, result, now = outcome.message, outcome.result, outcome.at
    if result is None:  # not tried: back to the queue, attempt given back
        await outbox.retry_later(
            message.id,
            not_before_at=outcome.until or now,
            error=outcome.note,
            attempt_counts=False,
        )
        return
    error = result.error or result.status.value
    match result.status:
        case SendStatus.SENT:  # recorded with the group's others
            counts.sent += 1
        case SendStatus.RETRY_AFTER:
            await outbox.retry_later(
                message.id, not_before_at=outcome.until or now, error=error, attempt_counts=False
            )
            counts.flood_waits += 1
        case SendStatus.NOT_SENT if outcome.until is not None:  # attempts left
            await outbox.retry_later(
                message.id, not_before_at=outcome.until, error=error, attempt_counts=True
            )
            counts.retried += 1
        case SendStatus.UNCERTAIN:
            await outbox.mark_uncertain(message.id, error=error)
            counts.uncertain += 1
        case SendStatus.BLOCKED:
            await outbox.mark_failed(message.id, error=error)
            await after_blocked(session, message, now)
            counts.blocked += 1
        case _:  # REJECTED, or NOT_SENT with no attempts left
            await outbox.mark_failed(message.id, error=error)
            counts.failed += 1
