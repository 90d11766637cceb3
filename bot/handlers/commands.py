"""Slash commands: each finds who sent it, calls one use-case and carries out its reply."""

from __future__ import annotations

from telegram import Update

from bot.context import N1Context
from bot.handlers.updates import private_ids
from bot.reply import reply
from messages import texts
from usecases import checkin_now, consent, delete, export, settings, start, status, summary
from usecases.commands import Flow, as_patient
from usecases.reaction import Reaction


async def start_command(update: Update, context: N1Context) -> None:
    """/start [join code]: onboarding for someone new; for others, carry on."""
    ids = private_ids(update)
    if ids is None:
        return
    join_code = context.args[0] if context.args else None
    await reply(update, context, await start.start(context.services, *ids, join_code))


async def _as_patient(
    update: Update, context: N1Context, flow: Flow, *, during_onboarding: bool = False
) -> None:
    ids = private_ids(update)
    if ids is None:
        return
    reaction = await as_patient(
        context.services, ids[0], flow, during_onboarding=during_onboarding
    )
    await reply(update, context, reaction)


async def checkin_command(update: Update, context: N1Context) -> None:
    """/checkin: today's check-in, now."""
    await _as_patient(update, context, checkin_now.checkin_now)


async def summary_command(update: Update, context: N1Context) -> None:
    """/summary: the latest weekly summary."""
    await _as_patient(update, context, summary.show)


async def settings_command(update: Update, context: N1Context) -> None:
    """/settings: see and change every choice."""
    await _as_patient(update, context, settings.show)


async def pause_command(update: Update, context: N1Context) -> None:
    """/pause: a break from messages."""
    await _as_patient(update, context, status.ask_pause)


async def resume_command(update: Update, context: N1Context) -> None:
    """/resume: messages again after a pause."""
    await _as_patient(update, context, status.resume)


async def stop_command(update: Update, context: N1Context) -> None:
    """/stop: no more messages."""
    await _as_patient(update, context, status.stop, during_onboarding=True)


async def export_command(update: Update, context: N1Context) -> None:
    """/export: a copy of everything."""
    await _as_patient(update, context, export.export, during_onboarding=True)


async def delete_command(update: Update, context: N1Context) -> None:
    """/delete: erase everything, after a clear yes."""
    await _as_patient(update, context, delete.ask, during_onboarding=True)


async def help_command(update: Update, context: N1Context) -> None:
    """/help: the commands and the standing safety information."""
    await reply(update, context, Reaction().send("help", texts.help_text()))


async def privacy_command(update: Update, context: N1Context) -> None:
    """/privacy: what N1 keeps, who sees it, what Telegram keeps, and a way to withdraw
    consent."""
    ids = private_ids(update)
    if ids is None:
        return
    await reply(update, context, await consent.privacy(context.services, ids[0]))
