"""Preparing weekly summaries: analysed, composed, kept once, logged; /summary shows them."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.conversation import AwaitingFocus
from core.domain import Patient, ScheduleKind
from core.markers import MarkerId
from core.settings import load_settings
from core.store.repositories import (
    MessageLogRepository,
    PatientRepository,
    ScheduleRepository,
    WeeklySummaryRepository,
)
from core.store.tables import MessageLogRow, WeeklySummaryRow
from messages import summary_texts
from messages.schema import Kind
from messages.summary import summary_problems
from scheduler.summaries import PreparedSummary, prepare_weekly_summary, week_start_of
from scheduler.summary_charts import SummaryCharts, chart_reference
from tests.messages.helpers import shipped
from tests.progress.histories import JOINED, WEEK_END, days_back, week_of
from tests.progress.store_helpers import add_answers, add_patient, at
from tests.scheduler.test_tick_support import test_codec
from usecases import summary
from usecases.reaction import Reaction
from usecases.services import Services

MF = MarkerId.MOVING_FREELY
NOW = at(WEEK_END, 18)


def _services(session_factory: async_sessionmaker[AsyncSession], clock: FakeClock) -> Services:
    return Services(
        clock=clock,
        session_factory=session_factory,
        codec=test_codec(),
        catalogue=shipped(),
        retention_months=load_settings(_env_file=None).retention_months,
    )


async def _count(session_factory: async_sessionmaker[AsyncSession], table: type) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _prepare(
    session_factory: async_sessionmaker[AsyncSession],
    patient: Patient,
    week_end: date = WEEK_END,
    now: datetime = NOW,
) -> PreparedSummary | None:
    async with session_factory.begin() as session:
        return await prepare_weekly_summary(
            session, patient, week_end, now=now, catalogue=shipped()
        )


async def test_a_summary_is_composed_kept_and_logged_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    improving = await add_patient(session_factory, 1, JOINED, ["Walking to the shop"])
    await add_answers(
        session_factory,
        improving,
        [
            *week_of(MF, [2, 2, 2, 1], weeks_back=3),
            *week_of(MF, [4, 4, 4, 3, 4]),
            *week_of("activity:1", [3], weeks_back=3),
            *week_of("activity:1", [6]),
        ],
    )
    new = await add_patient(session_factory, 2, WEEK_END - timedelta(days=5))
    await add_answers(session_factory, new, week_of(MF, [3, None, 3]))
    quiet = await add_patient(session_factory, 3, JOINED)
    await add_answers(session_factory, quiet, week_of(MF, [3, 3], weeks_back=2))

    first = await _prepare(session_factory, improving)
    second = await _prepare(session_factory, new)
    # Nobody hears about a week without a check-in.
    assert await _prepare(session_factory, quiet) is None
    assert first is not None
    assert second is not None
    assert first.composed is not None
    assert first.summary.id > 0
    assert (first.summary.patient_id, first.summary.created_at) == (improving.id, NOW)
    assert first.summary.week_start == week_start_of(WEEK_END) == days_back(6)
    assert first.summary.text == first.composed.text
    assert summary_problems(first.composed) == []
    assert first.composed.used[0].kind is Kind.CELEBRATION
    assert "Walking to the shop" in first.summary.text
    assert first.progress.lead is not None
    assert first.progress.lead[0].marker is MF
    # The chart sent with it shows this week's typical answer as the latest point.
    charts = SummaryCharts(session_factory)
    chart = await charts.data(chart_reference(improving.id, WEEK_END))
    assert chart.series[MF][-1] == 4
    # Each person's own answers only: the newcomer has this week and nothing before.
    newcomer = await charts.data(chart_reference(new.id, WEEK_END))
    assert newcomer.series[MF][-1] == 3
    assert set(newcomer.series[MF][:-1]) == {None}
    assert second.progress.building_baseline
    assert second.composed is not None
    assert second.composed.used[0].kind is Kind.BASELINE_BUILDING

    async with session_factory() as session:
        log = MessageLogRepository(session)
        assert await log.recent_ids(improving.id) == [u.message_id for u in first.composed.used]
        assert await log.recent_ids(new.id) == [u.message_id for u in second.composed.used]
    logged = await _count(session_factory, MessageLogRow)

    # A retried tick: the kept text comes back, nothing is composed or logged again.
    again = await _prepare(session_factory, improving, now=NOW + timedelta(minutes=5))
    assert again is not None
    assert again.composed is None
    assert again.summary == first.summary
    assert await _count(session_factory, MessageLogRow) == logged
    assert await _count(session_factory, WeeklySummaryRow) == 2


async def test_a_retry_composes_the_same_summary(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    await add_answers(session_factory, patient, week_of(MF, [3, 3, 4]))
    first = await _prepare(session_factory, patient)
    assert first is not None
    # As if the tick's transaction had been rolled back before it committed.
    async with session_factory.begin() as session:
        await session.execute(delete(WeeklySummaryRow))
        await session.execute(delete(MessageLogRow))
    retried = await _prepare(session_factory, patient, now=NOW + timedelta(minutes=1))
    assert retried is not None
    assert retried.composed is not None
    assert first.composed is not None
    assert retried.summary.text == first.summary.text
    assert [u.message_id for u in retried.composed.used] == [
        u.message_id for u in first.composed.used
    ]


async def test_two_processes_preparing_one_week_keep_one_summary(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    await add_answers(session_factory, patient, week_of(MF, [3, 3, 4]))
    both_open = asyncio.Barrier(2)

    async def prepare() -> PreparedSummary | None:
        async with session_factory.begin() as session:
            await both_open.wait()
            return await prepare_weekly_summary(
                session, patient, WEEK_END, now=NOW, catalogue=shipped()
            )

    one, two = await asyncio.gather(prepare(), prepare())
    assert one is not None
    assert two is not None
    assert one.summary == two.summary
    composed = [p.composed for p in (one, two) if p.composed is not None]
    assert len(composed) == 1
    assert await _count(session_factory, WeeklySummaryRow) == 1
    assert await _count(session_factory, MessageLogRow) == len(composed[0].used)


async def test_last_weeks_choice_is_mentioned_in_the_next_summary(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    await add_answers(
        session_factory, patient, [*week_of(MF, [3, 3, 3]), *week_of(MF, [3, 3], -1)]
    )
    await _prepare(session_factory, patient)
    # The person is asked "what would you like a little more of next week?" and answers.
    async with session_factory.begin() as session:
        await PatientRepository(session).set_awaiting(patient.id, AwaitingFocus(WEEK_END), NOW)
    clock = FakeClock(NOW + timedelta(hours=1))
    reaction = Reaction()
    await summary.keep_focus(
        _services(session_factory, clock), patient, "  a walk   by the river ", reaction
    )
    assert [sent.message.text for sent in reaction.sends] == [summary_texts.FOCUS_SAVED]
    async with session_factory() as session:
        kept = await WeeklySummaryRepository(session).latest(patient.id)
        history = await MessageLogRepository(session).recent_ids(patient.id)
        answered = await PatientRepository(session).get(patient.id)
    assert kept is not None
    assert (kept.next_focus, kept.focus_answered_at) == ("a walk by the river", clock.now())
    assert answered is not None
    assert answered.awaiting is None  # their next message is not taken as a focus again
    next_week = WEEK_END + timedelta(days=7)
    prepared = await _prepare(session_factory, patient, next_week, NOW + timedelta(days=7))
    assert prepared is not None
    assert prepared.composed is not None
    assert "‘a walk by the river’" in prepared.summary.text
    # No variant of a kind is repeated from last week.
    assert not {u.message_id for u in prepared.composed.used} & set(history)


async def test_an_empty_focus_answer_keeps_nothing(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    await add_answers(session_factory, patient, week_of(MF, [3, 3]))
    await _prepare(session_factory, patient)
    reaction = Reaction()
    await summary.keep_focus(
        _services(session_factory, FakeClock(NOW)), patient, " \u200b\n ", reaction
    )
    assert [sent.message.text for sent in reaction.sends] == [summary_texts.FOCUS_EMPTY]
    async with session_factory() as session:
        kept = await WeeklySummaryRepository(session).latest(patient.id)
    assert kept is not None
    assert kept.next_focus is None


async def test_summary_command_shows_the_latest_or_says_when_the_first_comes(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    services = _services(session_factory, FakeClock(NOW))
    # A week without a check-in gets no summary.
    assert await _prepare(session_factory, patient) is None
    before = Reaction()
    await summary.show(services, patient, before)
    [shown] = before.sends
    assert shown.kind == "summary_view"
    assert "no weekly summary yet" in shown.message.text
    assert "Send /settings" in shown.message.text
    # With a summary scheduled, it says when (in the person's own time: London, GMT).
    async with session_factory.begin() as session:
        await ScheduleRepository(session).set(
            patient.id,
            ScheduleKind.SUMMARY,
            next_due_at=NOW + timedelta(days=7),
            due_local_date=WEEK_END + timedelta(days=7),
            now=NOW,
        )
    scheduled = Reaction()
    await summary.show(services, patient, scheduled)
    assert "The first one is due on Sunday 8 March at 18:00" in scheduled.sends[0].message.text

    await add_answers(session_factory, patient, week_of(MF, [3, 3]))
    prepared = await _prepare(session_factory, patient)
    assert prepared is not None
    after = Reaction()
    await summary.show(services, patient, after)
    [shown] = after.sends
    assert shown.message.text.startswith("Your summary for the week of 23 February")
    assert shown.message.text.endswith(prepared.summary.text)
