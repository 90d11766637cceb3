"""Carrying out a flow's `Reaction` with the Bot API: answer the tap, edit, then send."""

from __future__ import annotations

import logging

from telegram import (
    InputFile,
    ReplyParameters,
    Update,
)
from telegram.error import BadRequest

from bot.context import N1Context
from bot.flows.checkin import record_sent
from bot.flows.reaction import Reaction
from bot.sender import markup
from core.ports import OutgoingMessage

logger = logging.getLogger(__name__)
# Telegram's limit for the text of a callback answer.
MAX_CALLBACK_ANSWER = 200


async def _edit(update: Update, context: N1Context, message: OutgoingMessage) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await context.bot.edit_text(
            query.message.chat.id, query.message.message_id, message.text, message.keyboard
        )
    except BadRequest as error:
        # A double tap asks for the same content again: Telegram says "not modified".
        if "not modified" not in error.message:
            raise


async def perform(update: Update, context: N1Context, reaction: Reaction) -> None:
    """Do everything the reaction asks, in order; a tap is always answered."""
    query = update.callback_query
    if query is not None:
        answer = (reaction.answer or "")[:MAX_CALLBACK_ANSWER]
        await query.answer(answer or None)
    if reaction.edit is not None:
        await _edit(update, context, reaction.edit)
    chat = update.effective_chat
    if chat is None:
        return
    services = context.services
    for outgoing in reaction.sends:
        reply_to = (
            ReplyParameters(reaction.reply_to_message_id, allow_sending_without_reply=True)
            if reaction.reply_to_message_id is not None
            else None
        )
        sent = await context.bot.send_message(
            chat.id,
            outgoing.message.text,
            reply_markup=markup(outgoing.message.keyboard),
            reply_parameters=reply_to,
        )
        services.sent_by_kind[outgoing.kind] += 1
        if outgoing.check_in_id is not None:
            await record_sent(services, outgoing.check_in_id, sent.message_id)
    for document in reaction.documents:
        await context.bot.send_document(
            chat.id,
            InputFile(document.content, filename=document.filename),
            caption=document.caption,
        )
        services.sent_by_kind["export"] += 1
