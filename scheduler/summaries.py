"""Preparing weekly summaries: analyse, compose, keep, and log which messages were used.

Runs inside the caller's transaction (the tick's batch, or a command's), never commits, and
never renders the chart: drawing takes a few hundred milliseconds, which is too long to hold
a SQLite write lock, so the result carries the chart's data and the caller draws it after
the transaction, off the event loop (`await asyncio.to_thread(render_chart, result.chart)`).

`prepare_weekly_summaries` does many people with a fixed number of SQL statements, whatever
their number (one set of reads per distinct week, plus one insert each for the summaries and
the message log); `prepare_weekly_summary` is the same for one person.

A week that already has a summary (a retried tick) is not composed again: the kept text is
returned with `created=False`, and nothing more is logged.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import Patient, ScheduleKind
from core.progress import (
    CHART_WEEKS,
    WEEK_DAYS,
    ChartData,
    WeekAnswers,
    WeeklyProgress,
    analyse,
    chart_data,
)
from core.store.repositories import (
    ActivityRepository,
    MessageLogRepository,
    ProgressRepository,
    ScheduleRepository,
    WeeklySummaryRepository,
)
from core.store.repositories.progress import empty_week
from core.store.repositories.summaries import LoggedMessage, SummaryToSave, WeeklySummary
from messages.catalogue import Catalogue
from messages.summary import SUMMARY_KINDS, ComposedSummary, compose_summary, no_summary_yet
from scheduler.schedules import patient_zone


@dataclass(frozen=True)
class PreparedSummary:
    """One person's weekly summary, kept and ready to send."""

    patient: Patient
    week_end: date
    summary: WeeklySummary
    # False: the week already had a summary (kept as it was, nothing new logged).
    created: bool
    progress: WeeklyProgress
    chart: ChartData
    # None when `created` is False: the kept `summary.text` is what was sent.
    composed: ComposedSummary | None = None


def week_start_of(week_end: date) -> date:
    """The local Monday of the calendar week `week_end` is in (the summary's key)."""
    return week_end - timedelta(days=week_end.weekday())


def summary_rng(patient_id: int, week_end: date) -> random.Random:
    """The person's generator for one week: a retry composes the same summary."""
    return random.Random(f"summary:{patient_id}:{week_end.isoformat()}")


async def prepare_weekly_summaries(
    session: AsyncSession,
    due: Sequence[tuple[Patient, date]],
    *,
    now: datetime,
    catalogue: Catalogue,
    skip_empty_weeks: bool = True,
) -> list[PreparedSummary]:
    """Summaries for many people, each for the week ending on the local date given.

    With `skip_empty_weeks`, people without a check-in that week get no summary and are
    left out of the result (there is nothing to say that helps, and nothing about the
    days without one is ever said). Statements: one per distinct week end for the answers,
    then one each for existing summaries, the chart's answers, activities, last week's
    focus, message history, new summaries, their ids, and the message log, whatever the
    number of people.
    """
    if not due:
        return []
    ids = [patient.id for patient, _ in due]
    if len(set(ids)) != len(ids):
        raise ValueError("each person can be summarised once per batch")
    progress_repo = ProgressRepository(session)
    summaries = WeeklySummaryRepository(session)
    log = MessageLogRepository(session)

    by_week: dict[date, list[int]] = {}
    for patient, week_end in due:
        by_week.setdefault(week_end, []).append(patient.id)
    answers: dict[int, WeekAnswers] = {}
    for week_end, patient_ids in sorted(by_week.items()):
        answers.update(await progress_repo.week_answers(week_end, patient_ids))

    existing = await summaries.for_weeks({(p.id, week_start_of(w)) for p, w in due})
    first = min(w for _, w in due) - timedelta(days=WEEK_DAYS * CHART_WEEKS - 1)
    daily = await progress_repo.daily_answers(ids, first, max(w for _, w in due))
    labels = await ActivityRepository(session).labels_of_many(ids)
    # Last week's answer: from the latest summary before the earliest week in the batch.
    focus = await summaries.previous_focus(ids, min(week_start_of(w) for _, w in due))
    history = await log.recent_ids_for(ids, [kind.value for kind in SUMMARY_KINDS])

    prepared: list[PreparedSummary] = []
    for patient, week_end in due:
        week = answers.get(patient.id) or empty_week(
            patient.id, week_end, patient.created_at.date()
        )
        progress = analyse(week)
        if skip_empty_weeks and progress.days == 0:
            continue
        chart = chart_data(daily[patient.id], week_end)
        kept = existing.get((patient.id, week_start_of(week_end)))
        if kept is not None:
            prepared.append(PreparedSummary(patient, week_end, kept, False, progress, chart))
            continue
        composed = compose_summary(
            progress,
            catalogue,
            summary_rng(patient.id, week_end),
            history=history[patient.id],
            activities=labels[patient.id],
            last_focus=focus.get(patient.id),
        )
        draft = WeeklySummary(
            id=0,
            patient_id=patient.id,
            week_start=week_start_of(week_end),
            text=composed.text,
            next_focus=None,
            created_at=now,
            focus_answered_at=None,
        )
        prepared.append(PreparedSummary(patient, week_end, draft, True, progress, chart, composed))

    drafts = [p for p in prepared if p.created]
    if not drafts:
        return prepared
    await summaries.save_many(
        [
            SummaryToSave(
                patient_id=p.patient.id, week_start=p.summary.week_start, text=p.summary.text
            )
            for p in drafts
        ],
        now,
    )
    saved = await summaries.for_weeks({(p.patient.id, p.summary.week_start) for p in drafts})
    result = [_settle(p, saved) for p in prepared]
    await log.record_many(
        [
            LoggedMessage(
                patient_id=p.patient.id, kind=used.kind.value, message_id=used.message_id
            )
            for p in result
            if p.created and p.composed is not None
            for used in p.composed.used
        ],
        now,
    )
    return result


def _settle(
    prepared: PreparedSummary, saved: dict[tuple[int, date], WeeklySummary]
) -> PreparedSummary:
    """The prepared summary with its kept row (and its id)."""
    if not prepared.created:
        return prepared
    kept = saved.get((prepared.patient.id, prepared.summary.week_start))
    if kept is None:  # pragma: no cover - the row was written in this transaction
        raise RuntimeError("a weekly summary just saved was not found")
    if kept.text != prepared.summary.text:
        # Another process kept this week's summary first: that one is the summary.
        return replace(prepared, summary=kept, created=False, composed=None)
    return replace(prepared, summary=kept)


async def prepare_weekly_summary(
    session: AsyncSession,
    patient: Patient,
    week_end: date,
    *,
    now: datetime,
    catalogue: Catalogue,
    skip_empty_weeks: bool = True,
) -> PreparedSummary | None:
    """One person's summary for the week ending `week_end` (their local date).

    None when the week had no check-in and `skip_empty_weeks` is set.
    """
    prepared = await prepare_weekly_summaries(
        session,
        [(patient, week_end)],
        now=now,
        catalogue=catalogue,
        skip_empty_weeks=skip_empty_weeks,
    )
    return prepared[0] if prepared else None


@dataclass(frozen=True)
class SummaryView:
    """What /summary shows: the latest summary's text, or when the first one will come."""

    text: str
    summary: WeeklySummary | None


async def summary_for_command(session: AsyncSession, patient: Patient) -> SummaryView:
    """The person's latest summary, or a note saying when the first one should come."""
    latest = await WeeklySummaryRepository(session).latest(patient.id)
    if latest is not None:
        heading = f"Your summary for the week of {latest.week_start.day} {latest.week_start:%B}"
        return SummaryView(f"{heading}\n\n{latest.text}", latest)
    schedule = await ScheduleRepository(session).get(patient.id, ScheduleKind.SUMMARY)
    next_at = None
    if schedule is not None and schedule.next_due_at is not None:
        next_at = schedule.next_due_at.astimezone(patient_zone(patient))
    return SummaryView(no_summary_yet(next_at), None)
