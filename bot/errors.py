"""The last line of defence: log what failed (never what anyone wrote) and reply kindly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.context import N1Context
from messages import texts

logger = logging.getLogger(__name__)


async def on_error(update: object, context: N1Context) -> None:
    """Log the failure by update id and type, and tell the person something went wrong."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # Only the exception type and traceback: message text may be health data.
    logger.error(
        "handler failed for update %s: %s",
        update_id,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__) if error else None,
    )
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    try:
        await context.bot.send_message(update.effective_chat.id, texts.SOMETHING_WENT_WRONG)
    except TelegramError:
        logger.warning("could not send the apology for update %s", update_id)
