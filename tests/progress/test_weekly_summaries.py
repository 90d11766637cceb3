"""Preparing weekly summaries: analysed, composed, kept once, logged, set-based."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.markers import MarkerId
from core.store.repositories import MessageLogRepository, WeeklySummaryRepository
from core.store.tables import MessageLogRow, WeeklySummaryRow
from messages.catalogue import Catalogue, load_catalogue
from messages.schema import Kind
from messages.summary import summary_problems
from scheduler.summaries import (
    prepare_weekly_summaries,
    prepare_weekly_summary,
    summary_for_command,
    week_start_of,
)
from tests.progress.histories import JOINED, WEEK_END, days_back, week_of
from tests.progress.store_helpers import add_answers, add_patient, at, counting_statements

MF = MarkerId.MOVING_FREELY
NOW = at(WEEK_END, 18)


@cache
def catalogue() -> Catalogue:
    """The shipped library, loaded once."""
    return load_catalogue()


async def _count(session_factory: async_sessionmaker[AsyncSession], table: type) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


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

    due = [(improving, WEEK_END), (new, WEEK_END), (quiet, WEEK_END)]
    async with session_factory.begin() as session:
        prepared = await prepare_weekly_summaries(session, due, now=NOW, catalogue=catalogue())
    # Nobody hears about a week without a check-in.
    assert [p.patient.id for p in prepared] == [improving.id, new.id]
    first, second = prepared
    assert first.created
    assert first.composed is not None
    assert first.summary.id > 0
    assert first.summary.week_start == week_start_of(WEEK_END) == days_back(6)
    assert summary_problems(first.composed) == []
    assert first.composed.used[0].kind is Kind.CELEBRATION
    assert "Walking to the shop" in first.summary.text
    assert first.chart.series[MF][-1] == 4
    assert second.progress.building_baseline
    assert second.composed is not None
    assert second.composed.used[0].kind is Kind.BASELINE_BUILDING

    logged = await _count(session_factory, MessageLogRow)
    assert logged == len(first.composed.used) + len(second.composed.used)

    # A retried tick: the kept text comes back, nothing is composed or logged again.
    async with session_factory.begin() as session:
        again = await prepare_weekly_summary(
            session, improving, WEEK_END, now=NOW + timedelta(minutes=5), catalogue=catalogue()
        )
    assert again is not None
    assert not again.created
    assert again.composed is None
    assert again.summary == first.summary
    assert await _count(session_factory, MessageLogRow) == logged
    assert await _count(session_factory, WeeklySummaryRow) == 2


async def test_last_weeks_choice_is_mentioned_in_the_next_summary(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    await add_answers(
        session_factory, patient, [*week_of(MF, [3, 3, 3]), *week_of(MF, [3, 3], -1)]
    )
    async with session_factory.begin() as session:
        await prepare_weekly_summary(session, patient, WEEK_END, now=NOW, catalogue=catalogue())
        await WeeklySummaryRepository(session).set_next_focus(
            patient.id, "a walk by the river", NOW + timedelta(hours=1)
        )
        history = await MessageLogRepository(session).recent_ids(patient.id)
    next_week = WEEK_END + timedelta(days=7)
    async with session_factory.begin() as session:
        prepared = await prepare_weekly_summary(
            session, patient, next_week, now=NOW + timedelta(days=7), catalogue=catalogue()
        )
    assert prepared is not None
    assert prepared.composed is not None
    assert "‘a walk by the river’" in prepared.summary.text
    # No variant of a kind is repeated from last week.
    assert not set(prepared.composed.library_ids) & set(history)


async def test_a_batch_uses_the_same_number_of_statements_for_any_number_of_people(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    patients = []
    for number in range(8):
        patient = await add_patient(session_factory, number, JOINED, ["Gardening"])
        await add_answers(
            session_factory,
            patient,
            [*week_of(MF, [2, 2, 3], weeks_back=3), *week_of(MF, [3, 4, number % 5 + 1])],
        )
        patients.append(patient)
    counts = []
    for batch in (patients[:1], patients[1:3], patients[3:]):
        async with session_factory.begin() as session:
            with counting_statements(engine) as sent:
                prepared = await prepare_weekly_summaries(
                    session, [(p, WEEK_END) for p in batch], now=NOW, catalogue=catalogue()
                )
        assert len(prepared) == len(batch)
        counts.append(len(sent))
    assert counts[0] == counts[1] == counts[2]


async def test_summary_command_shows_the_latest_or_says_none_yet(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    async with session_factory.begin() as session:
        # A week without a check-in gets no summary.
        assert (
            await prepare_weekly_summary(
                session, patient, WEEK_END, now=NOW, catalogue=catalogue()
            )
            is None
        )
    async with session_factory() as session:
        before = await summary_for_command(session, patient)
    assert before.summary is None
    assert "no weekly summary yet" in before.text
    await add_answers(session_factory, patient, week_of(MF, [3, 3]))
    async with session_factory.begin() as session:
        prepared = await prepare_weekly_summary(
            session, patient, WEEK_END, now=NOW, catalogue=catalogue()
        )
    async with session_factory() as session:
        after = await summary_for_command(session, patient)
    assert prepared is not None
    assert after.summary == prepared.summary
    assert after.text.endswith(prepared.summary.text)
    assert after.text.startswith("Your summary for the week of 23 February")
