"""The progress reads and the summary stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.markers import MarkerId
from core.progress import DayAnswer, WeekAnswers, chart_data, week_answers_from_days
from core.store.repositories import (
    ActivityRepository,
    MessageLogRepository,
    ProgressRepository,
    WeeklySummaryRepository,
)
from core.store.repositories.summaries import MAX_FOCUS
from tests.progress.histories import JOINED, WEEK_END, days_back, week_of
from tests.progress.store_helpers import add_answers, add_patient, at, counting_statements

MF = MarkerId.MOVING_FREELY
ITEMS = [
    "moving_freely",
    "worry",
    "sleep",
    "pain_dominance",
    "reframe",
    "activity:1",
    "activity:3",
    "note_item_unknown",
]


def _random_answers(rng: random.Random) -> list[DayAnswer]:
    """Up to 40 days back, a few items a day, some skipped, some days with nothing."""
    answers = []
    for offset in range(41):
        if rng.random() < 0.35:
            continue
        for item in rng.sample(ITEMS, rng.randint(1, 3)):
            top = 10 if item.startswith("activity") else 5
            value = None if rng.random() < 0.1 else rng.randint(0 if top == 10 else 1, top)
            answers.append(DayAnswer(item, days_back(offset), value))
    return answers


def _normalised(week: WeekAnswers) -> tuple[object, ...]:
    """The week with each period's values sorted (the order answers come in is free)."""

    def norm(values: Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
        return {item: sorted(found) for item, found in values.items()}

    return (
        week.patient_id,
        week.week_end,
        week.baseline_start,
        norm(week.this_week),
        norm(week.weeks_ago),
        norm(week.baseline),
        week.days,
    )


async def test_week_answers_follow_the_rules_for_each_person_in_one_statement(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rng = random.Random(5)
    people = []
    for number in range(6):
        joined = JOINED + timedelta(days=rng.randint(-20, 30))
        patient = await add_patient(session_factory, number, joined)
        answers = _random_answers(rng)
        await add_answers(session_factory, patient, answers)
        # A second check-in on some days (on demand): its answers count too.
        extra = [a for a in answers if a.local_date.day % 5 == 0][:3]
        await add_answers(session_factory, patient, extra, slot="ondemand")
        expected = week_answers_from_days(patient.id, WEEK_END, joined, [*answers, *extra])
        people.append((patient, joined, expected))
    for patient, joined, expected in people:
        async with session_factory() as session:
            with counting_statements(engine) as sent:
                found = await ProgressRepository(session).week_answers(
                    patient.id, WEEK_END, joined
                )
        assert len(sent) == 1
        # Only this person's answers, each in every period it falls in.
        assert _normalised(found) == _normalised(expected)


async def test_a_person_without_answers_has_an_empty_week(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    quiet = await add_patient(session_factory, 1, JOINED)
    talkative = await add_patient(session_factory, 2, JOINED)
    await add_answers(session_factory, talkative, week_of(MF, [3, 4, 4]))
    async with session_factory() as session:
        week = await ProgressRepository(session).week_answers(quiet.id, WEEK_END, JOINED)
    assert week == WeekAnswers(patient_id=quiet.id, week_end=WEEK_END, baseline_start=JOINED)
    assert week.days == 0


async def test_daily_answers_are_the_persons_own_between_two_dates_skips_included(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED, ["Gardening", "Swimming"])
    other = await add_patient(session_factory, 2, JOINED)
    await add_answers(
        session_factory,
        patient,
        [
            DayAnswer(MF, days_back(7), 1),  # the day before the range
            *week_of(MF, [3, None, 4]),
            DayAnswer("sleep", WEEK_END, 2),  # the range's last day counts
        ],
    )
    await add_answers(session_factory, other, week_of(MF, [5, 5, 5]))
    async with session_factory() as session:
        progress = ProgressRepository(session)
        daily = await progress.daily_answers(patient.id, days_back(6), WEEK_END)
        quiet_days = await progress.daily_answers(patient.id, days_back(40), days_back(8))
        labels = await ActivityRepository(session).labels(patient.id)
        many = await ActivityRepository(session).labels_of_many([patient.id, other.id])
    assert sorted(daily, key=lambda a: (a.local_date, a.item)) == [
        DayAnswer(MF, days_back(6), 3),
        DayAnswer(MF, days_back(5), None),
        DayAnswer(MF, days_back(4), 4),
        DayAnswer("sleep", WEEK_END, 2),
    ]
    assert quiet_days == []
    assert labels == {1: "Gardening", 2: "Swimming"}
    assert many == {patient.id: labels, other.id: {}}
    # What the chart is drawn from: this week's typical "moving freely" is 3.5.
    assert chart_data(daily, WEEK_END).series[MF][-1] == 3.5


async def test_weekly_summaries_are_kept_once_a_week_with_the_focus_answer(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    other = await add_patient(session_factory, 2, JOINED)
    monday = days_back(6)
    earlier = monday - timedelta(days=7)
    async with session_factory.begin() as session:
        summaries = WeeklySummaryRepository(session)
        assert await summaries.latest(patient.id) is None
        # Nothing to attach an answer to before the first summary.
        assert await summaries.set_next_focus(patient.id, "walk", at(WEEK_END)) is None
        first, created = await summaries.save(
            patient_id=patient.id, week_start=earlier, text="Week one.", now=at(WEEK_END)
        )
        assert created
        # A retried tick keeps the summary that was sent.
        again, created = await summaries.save(
            patient_id=patient.id, week_start=earlier, text="Other.", now=at(WEEK_END, 10)
        )
        assert (again, created) == (first, False)
        second, _ = await summaries.save(
            patient_id=patient.id, week_start=monday, text="Week two.", now=at(WEEK_END)
        )
        theirs, _ = await summaries.save(
            patient_id=other.id, week_start=monday, text="Theirs.", now=at(WEEK_END)
        )
    assert (first.text, first.next_focus, first.focus_answered_at) == ("Week one.", None, None)
    async with session_factory.begin() as session:
        summaries = WeeklySummaryRepository(session)
        assert await summaries.latest(patient.id) == second
        assert await summaries.latest(patient.id, before=monday) == first
        assert await summaries.latest(patient.id, before=earlier) is None
        long_answer = "  a   short walk\nevery day " + "x" * 400
        focused = await summaries.set_next_focus(patient.id, "swim", at(WEEK_END, 18))
        assert focused is not None
        # A later answer replaces the earlier one, on the latest summary only.
        focused = await summaries.set_next_focus(patient.id, long_answer, at(WEEK_END, 19))
        assert focused is not None
        assert (focused.id, focused.week_start) == (second.id, monday)
        assert focused.next_focus is not None
        assert len(focused.next_focus) == MAX_FOCUS
        assert focused.next_focus.startswith("a short walk every day x")
        assert focused.focus_answered_at == at(WEEK_END, 19)
    async with session_factory() as session:
        summaries = WeeklySummaryRepository(session)
        assert await summaries.get(patient.id, monday) == focused
        assert await summaries.get(patient.id, earlier) == first
        assert await summaries.get(other.id, monday) == theirs
        assert await summaries.get(other.id, earlier) is None
        assert await summaries.all() == [first, focused, theirs]


async def test_the_message_log_gives_a_persons_latest_ids_oldest_first(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED)
    other = await add_patient(session_factory, 2, JOINED)
    async with session_factory.begin() as session:
        log = MessageLogRepository(session)
        for week in range(4):
            await log.record(
                patient.id,
                [("celebration", f"celebrate.sleep.{week:03d}"), ("consistency", f"c.{week}")],
                at(JOINED + timedelta(days=7 * week)),
            )
        await log.record(other.id, [("nudge", "nudge.001")], at(JOINED))
        await log.record(other.id, [], at(JOINED))
        assert await log.recent_ids(patient.id, limit=3) == [
            "c.2",
            "celebrate.sleep.003",
            "c.3",
        ]
        assert await log.recent_ids(patient.id, ["consistency"]) == ["c.0", "c.1", "c.2", "c.3"]
        assert await log.recent_ids(patient.id, ["nudge"]) == []
        assert await log.recent_ids(other.id) == ["nudge.001"]
