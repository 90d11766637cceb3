"""Handlers for delivery: the nudge buttons, and a person blocking or unblocking the bot.

Register `delivery_handlers()` before the general button handler, so that nudge taps
("1:z:..." data) reach `nudge_button`.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from telegram import ChatMember, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, ChatMemberHandler

from bot.context import N1Context
from bot.flows.reaction import Reaction
from bot.reactions import perform
from bot.services import Services
from core.callbacks import InvalidCallbackError, NudgeTap
from core.domain import Patient
from core.ports import OutgoingMessage
from core.store.repositories import PatientRepository, SecurityEventRepository
from scheduler import texts
from scheduler.nudges import NudgeReplyKind, reply_to_nudge
from scheduler.reachability import mark_unreachable, note_activity, restore_reachability

logger = logging.getLogger(__name__)

# Callback data of nudge buttons (see core.callbacks: "1:z:<check_in_id>:<choice>:<sig>").
NUDGE_DATA_PATTERN: Final = r"^1:z:"
_EDITED_KINDS = frozenset(
    {NudgeReplyKind.LATER, NudgeReplyKind.LATER_TOO_LATE, NudgeReplyKind.NOT_TODAY}
)


async def on_nudge_tap(
    services: Services,
    patient: Patient,
    tap: NudgeTap,
    nudge_text: str | None,
    reaction: Reaction,
) -> None:
    """Apply "later today" or "not today"; the nudge loses its buttons and says what happens."""
    now = services.clock.now()
    async with services.session_factory.begin() as session:
        reply = await reply_to_nudge(
            session, patient=patient, check_in_id=tap.check_in_id, choice=tap.choice, now=now
        )
        if reply.kind is NudgeReplyKind.NOT_OWNED:
            await SecurityEventRepository(session).record(
                kind="callback_not_owned", now=now, telegram_user_id=patient.telegram_user_id
            )
        activity = await note_activity(session, patient.id, now)
    reaction.answer = reply.text
    if nudge_text and reply.kind is not NudgeReplyKind.NOT_OWNED:
        shown = f"{nudge_text}\n\n{reply.text}" if reply.kind in _EDITED_KINDS else nudge_text
        reaction.edit = OutgoingMessage(shown)
    if activity.welcome_back:
        welcome = texts.welcome_back(patient.id, catalogue=services.catalogue)
        reaction.send("welcome_back", welcome.text)


async def nudge_button(update: Update, context: N1Context) -> None:
    """A tap on "Later today" or "Not today" under a nudge."""
    query = update.callback_query
    user = update.effective_user
    if query is None:
        return
    services, reaction = context.services, Reaction()
    patient = None
    if user is not None:
        async with services.session_factory() as session:
            patient = await PatientRepository(session).get_by_telegram_id(user.id)
    try:
        tap = services.codec.decode(query.data, patient.id if patient else None)
    except InvalidCallbackError:
        tap = None
    if patient is None or not isinstance(tap, NudgeTap):
        # Malformed, edited or someone else's data: write nothing but the audit record.
        async with services.session_factory.begin() as session:
            await SecurityEventRepository(session).record(
                kind="callback_invalid",
                now=services.clock.now(),
                telegram_user_id=user.id if user else None,
            )
        reaction.answer = texts.NUDGE_CLOSED
    else:
        message = query.message
        text = getattr(message, "text", None) if message is not None else None
        await on_nudge_tap(services, patient, tap, text, reaction)
    await perform(update, context, reaction)


async def member_changed(update: Update, context: N1Context) -> None:
    """A person blocked the bot (stop writing to them) or unblocked it (schedule them again)."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return  # groups belong to cohorts, handled elsewhere
    services = context.services
    now = services.clock.now()
    status = change.new_chat_member.status
    async with services.session_factory.begin() as session:
        patient = await PatientRepository(session).get_by_telegram_id(change.from_user.id)
        if patient is None:
            return
        if status in (ChatMember.BANNED, ChatMember.LEFT):
            await mark_unreachable(session, patient.id, now)
            logger.info("patient %d blocked the bot", patient.id)
        elif status == ChatMember.MEMBER:
            await restore_reachability(session, patient.id, now)
            logger.info("patient %d unblocked the bot", patient.id)


def delivery_handlers() -> list[BaseHandler[Update, Any, Any]]:
    """The handlers to register (before the general button handler)."""
    return [
        CallbackQueryHandler(nudge_button, pattern=NUDGE_DATA_PATTERN),
        ChatMemberHandler(member_changed, ChatMemberHandler.MY_CHAT_MEMBER),
    ]
