"""Reading the few things N1 needs from an update."""

from __future__ import annotations

from telegram import Update


def private_ids(update: Update) -> tuple[int, int] | None:
    """(user id, chat id) of an update from a 1:1 chat; None for anything else."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != "private":
        return None
    return user.id, chat.id
