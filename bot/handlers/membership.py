"""A person blocking or unblocking the bot (Telegram's `my_chat_member` update)."""

from __future__ import annotations

from telegram import ChatMember, Update

from bot.context import N1Context
from usecases import membership


async def member_changed(update: Update, context: N1Context) -> None:
    """Blocked: stop writing to them. Unblocked: schedule them again."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return  # groups belong to cohorts, handled elsewhere
    status = change.new_chat_member.status
    if status in (ChatMember.BANNED, ChatMember.LEFT):
        await membership.blocked(context.services, change.from_user.id)
    elif status == ChatMember.MEMBER:
        await membership.unblocked(context.services, change.from_user.id)
