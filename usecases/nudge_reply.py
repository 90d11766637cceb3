"""A tap on a nudge's "Later today" or "Not today"."""

from __future__ import annotations

from core.callbacks import NudgeTap
from core.domain import Patient
from core.ports import OutgoingMessage
from core.store.repositories import SecurityEventRepository
from messages import scheduled
from scheduler.nudges import NudgeReplyKind, reply_to_nudge
from usecases.reaction import Reaction
from usecases.services import Services

# Replies shown under the nudge itself (its buttons go): what happens next.
_SHOWN_UNDER = frozenset(
    {NudgeReplyKind.LATER, NudgeReplyKind.LATER_TOO_LATE, NudgeReplyKind.NOT_TODAY}
)


async def reply(
    services: Services,
    patient: Patient,
    tap: NudgeTap,
    nudge_text: str | None,
    reaction: Reaction,
) -> None:
    """Apply the choice; the nudge loses its buttons and says what happens next. (The
    person was noted as here in the tap's own transaction: `usecases.buttons.press`.)"""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        result = await reply_to_nudge(
            session, patient=patient, check_in_id=tap.check_in_id, choice=tap.choice, now=now
        )
        if result.kind is NudgeReplyKind.NOT_OWNED:
            await SecurityEventRepository(session).record(
                kind="callback_not_owned", now=now, telegram_user_id=patient.telegram_user_id
            )
    reaction.answer = result.text
    if nudge_text and result.kind is not NudgeReplyKind.NOT_OWNED:
        shown = (
            scheduled.answered_nudge(nudge_text, result.text)
            if result.kind in _SHOWN_UNDER
            else nudge_text
        )
        reaction.edit = OutgoingMessage(shown)
