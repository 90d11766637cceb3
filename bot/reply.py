"""Carrying out a use-case's `Reaction` with the Bot API: answer the tap, edit, then send."""

from __future__ import annotations

from telegram import InputFile, ReplyParameters, Update
from telegram.error import BadRequest

from bot.context import N1Context
from bot.sender import markup
from core.ports import OutgoingMessage
from usecases.reaction import Reaction
from usecases.shown import record_shown

# Telegram's limit for the text of a callback answer.
MAX_CALLBACK_ANSWER = 200


async def _edit(update: Update, context: N1Context, message: OutgoingMessage) -> None:
    query = update.callback_query
    if query is None or query.message is None:
        return
    try:
        await context.bot.edit_message_text(
            message.text,
            chat_id=query.message.chat.id,
            message_id=query.message.message_id,
            reply_markup=markup(message.keyboard),
        )
    except BadRequest as error:
        # A double tap asks for the same content again: Telegram says "not modified".
        if "not modified" not in error.message:
            raise


async def reply(update: Update, context: N1Context, reaction: Reaction) -> None:
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
    running = context.running
    check_ins: dict[int, int] = {}
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
        running.sent_by_kind[outgoing.kind] += 1
        if outgoing.check_in_id is not None:
            check_ins[outgoing.check_in_id] = sent.message_id
    await record_shown(running.services, check_ins)
    for document in reaction.documents:
        await context.bot.send_document(
            chat.id,
            InputFile(document.content, filename=document.filename),
            caption=document.caption,
        )
        running.sent_by_kind["export"] += 1
