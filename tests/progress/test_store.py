"""The set-based progress reads and the summary stores, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.markers import MarkerId
from core.progress import DayAnswer, WeekAnswers, week_answers_from_days
from core.store.repositories import (
    ActivityRepository,
    MessageLogRepository,
    ProgressRepository,
    WeeklySummaryRepository,
)
from core.store.repositories.summaries import MAX_FOCUS, LoggedMessage, SummaryToSave
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
    known = {k for k in ITEMS if k != "note_item_unknown"}

    def norm(values: Mapping[str, Sequence[int]]) -> dict[str, list[int]]:
        return {k: sorted(v) for k, v in values.items() if k in known and v}

    return (
        week.patient_id,
        week.week_end,
        week.baseline_start,
        norm(week.this_week),
        norm(week.weeks_ago),
        norm(week.baseline),
        week.days,
    )


async def test_week_answers_match_the_rules_for_many_people_in_one_statement(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    rng = random.Random(5)
    expected = {}
    for number in range(6):
        joined = JOINED + timedelta(days=rng.randint(-20, 30))
        patient = await add_patient(session_factory, number, joined)
        answers = _random_answers(rng)
        await add_answers(session_factory, patient, answers)
        # A second check-in on some days (on demand): its answers count too.
        extra = [a for a in answers if a.local_date.day % 5 == 0][:3]
        await add_answers(session_factory, patient, extra, slot="ondemand")
        expected[patient.id] = week_answers_from_days(
            patient.id, WEEK_END, joined, [*answers, *extra]
        )
    async with session_factory() as session:
        with counting_statements(engine) as sent:
            found = await ProgressRepository(session).week_answers(WEEK_END)
    assert len(sent) == 1
    async with session_factory() as session:
        with counting_statements(engine) as sent:
            streamed = [
                week
                async for week in ProgressRepository(session).stream_week_answers(
                    WEEK_END, chunk=2
                )
            ]
    assert len(sent) == 1
    assert {w.patient_id: _normalised(w) for w in streamed} == {
        pid: _normalised(w) for pid, w in found.items()
    }
    # Everyone with an answer in their window is there, and nobody else.
    with_answers = {
        pid for pid, week in expected.items() if week.days or week.weeks_ago or week.baseline
    }
    assert set(found) <= set(expected)
    assert with_answers <= set(found)
    for patient_id, week in found.items():
        assert _normalised(week) == _normalised(expected[patient_id])


async def test_the_statement_count_does_not_grow_with_the_number_of_people(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    patients = []
    for number in range(30):
        patient = await add_patient(session_factory, number, JOINED, ["Walking the dog"])
        await add_answers(
            session_factory,
            patient,
            [*week_of(MF, [2, 2, 3], weeks_back=3), *week_of(MF, [4, 4, number % 5 + 1])],
        )
        patients.append(patient)
    counts = []
    for size in (1, 3, 30):
        ids = [p.id for p in patients[:size]]
        async with session_factory() as session:
            repository = ProgressRepository(session)
            with counting_statements(engine) as sent:
                weeks = await repository.week_answers(WEEK_END, ids)
                await repository.daily_answers(ids, days_back(55), WEEK_END)
                await ActivityRepository(session).labels_of_many(ids)
                await repository.joined_dates(ids)
                await MessageLogRepository(session).recent_ids_for(ids)
                await WeeklySummaryRepository(session).previous_focus(ids, WEEK_END)
        assert len(weeks) == size
        counts.append(len(sent))
    assert counts == [6, 6, 6]


async def test_daily_answers_labels_and_joined_dates(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory, 1, JOINED, ["Gardening", "Swimming"])
    quiet = await add_patient(session_factory, 2, JOINED)
    await add_answers(session_factory, patient, week_of(MF, [3, None, 4]))
    async with session_factory() as session:
        repository = ProgressRepository(session)
        daily = await repository.daily_answers([patient.id, quiet.id], days_back(6), WEEK_END)
        labels = await ActivityRepository(session).labels_of_many([patient.id, quiet.id])
        joined = await repository.joined_dates([patient.id])
        assert await repository.week_answers(WEEK_END, []) == {}
        assert await repository.week_answers_for(quiet.id, WEEK_END) is None
        mine = await repository.week_answers_for(patient.id, WEEK_END)
    assert sorted(a.value for a in daily[patient.id] if a.value is not None) == [3, 4]
    assert daily[quiet.id] == []
    assert labels == {patient.id: {1: "Gardening", 2: "Swimming"}, quiet.id: {}}
    assert joined == {patient.id: JOINED}
    assert mine is not None
    assert mine.days == 3


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
        assert await summaries.set_next_focus(patient.id, "walk", at(WEEK_END)) is None
        first, created = await summaries.save(
            patient_id=patient.id, week_start=earlier, text="Week one.", now=at(WEEK_END)
        )
        assert created
        again, created = await summaries.save(
            patient_id=patient.id, week_start=earlier, text="Other.", now=at(WEEK_END)
        )
        assert (again, created) == (first, False)
        await summaries.save_many(
            [
                SummaryToSave(patient_id=patient.id, week_start=monday, text="Week two."),
                SummaryToSave(patient_id=patient.id, week_start=earlier, text="Ignored."),
                SummaryToSave(patient_id=other.id, week_start=monday, text="Theirs."),
            ],
            at(WEEK_END),
        )
        latest = await summaries.latest(patient.id)
        assert latest is not None
        assert latest.text == "Week two."
        long_answer = "  a   short walk\nevery day " + "x" * 400
        focused = await summaries.set_next_focus(patient.id, long_answer, at(WEEK_END, 19))
        assert focused is not None
        assert focused.week_start == monday
        assert focused.next_focus is not None
        assert len(focused.next_focus) == MAX_FOCUS
        assert focused.next_focus.startswith("a short walk every day x")
        assert focused.focus_answered_at == at(WEEK_END, 19)
        found = await summaries.for_weeks({(patient.id, earlier), (other.id, earlier)})
        assert list(found) == [(patient.id, earlier)]
        # Next week's summary mentions it; this week's does not see its own.
        after = monday + timedelta(days=7)
        assert await summaries.previous_focus([patient.id, other.id], after) == {
            patient.id: focused.next_focus
        }
        assert await summaries.previous_focus([patient.id], monday) == {}
        assert await summaries.get(other.id, monday) is not None


async def test_the_message_log_gives_each_persons_latest_ids_oldest_first(
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
        await log.record_many(
            [LoggedMessage(patient_id=other.id, kind="nudge", message_id="nudge.001")],
            at(JOINED),
        )
        assert await log.recent_ids(patient.id, limit=3) == [
            "c.2",
            "celebrate.sleep.003",
            "c.3",
        ]
        assert await log.recent_ids(patient.id, ["consistency"]) == ["c.0", "c.1", "c.2", "c.3"]
        both = await log.recent_ids_for([patient.id, other.id], ["nudge"])
        assert both == {patient.id: [], other.id: ["nudge.001"]}
        assert await log.recent_ids_for([]) == {}
