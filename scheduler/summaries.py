"""Preparing a weekly summary: analyse the week, compose it, keep it, log its messages.

Runs inside the caller's transaction (the tick's), never commits, and never draws the chart:
drawing takes a few hundred milliseconds, too long to hold a SQLite write lock, so the
dispatcher draws it from the stored answers just before the summary is sent
(`scheduler.summary_charts`).

A week that already has a summary (a retried tick) is not composed again: the kept text is
returned with `composed=None`, and nothing more is logged.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Patient, WeeklySummary
from core.progress import WeeklyProgress, analyse
from core.store.repositories import (
    ActivityRepository,
    MessageLogRepository,
    ProgressRepository,
    WeeklySummaryRepository,
)
from messages.catalogue import Catalogue
from messages.summary import SUMMARY_KINDS, ComposedSummary, compose_summary


@dataclass(frozen=True)
class PreparedSummary:
    """One person's weekly summary, kept and ready to send."""

    summary: WeeklySummary
    progress: WeeklyProgress
    # None when the week already had a summary: the kept `summary.text` is what was sent.
    composed: ComposedSummary | None


def week_start_of(week_end: date) -> date:
    """The local Monday of the calendar week `week_end` is in (the summary's key)."""
    return week_end - timedelta(days=week_end.weekday())


def summary_rng(patient_id: int, week_end: date) -> random.Random:
    """The person's generator for one week: a retry composes the same summary."""
    return random.Random(f"summary:{patient_id}:{week_end.isoformat()}")


async def prepare_weekly_summary(
    session: AsyncSession,
    patient: Patient,
    week_end: date,
    *,
    now: datetime,
    catalogue: Catalogue,
) -> PreparedSummary | None:
    """The person's summary for the week ending `week_end` (their local date).

    None when the week had no check-in: there is nothing to say that helps, and nothing
    about the days without one is ever said.
    """
    week = await ProgressRepository(session).week_answers(
        patient.id, week_end, patient.created_at.date()
    )
    progress = analyse(week)
    if progress.days == 0:
        return None
    summaries = WeeklySummaryRepository(session)
    week_start = week_start_of(week_end)
    kept = await summaries.get(patient.id, week_start)
    if kept is not None:
        return PreparedSummary(kept, progress, None)
    log = MessageLogRepository(session)
    previous = await summaries.latest(patient.id, before=week_start)
    composed = compose_summary(
        progress,
        catalogue,
        summary_rng(patient.id, week_end),
        history=await log.recent_ids(patient.id, [kind.value for kind in SUMMARY_KINDS]),
        activities=await ActivityRepository(session).labels(patient.id),
        last_focus=None if previous is None else previous.next_focus,
    )
    summary, created = await summaries.save(
        patient_id=patient.id, week_start=week_start, text=composed.text, now=now
    )
    if not created:  # another process kept this week's summary first: that one counts
        return PreparedSummary(summary, progress, None)
    await log.record(
        patient.id, [(used.kind.value, used.message_id) for used in composed.used], now
    )
    return PreparedSummary(summary, progress, composed)
