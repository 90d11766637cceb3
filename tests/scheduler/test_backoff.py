"""Backing off when someone goes quiet, and the welcome back when they return."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import FakeClock
from core.domain import OutboxKind, PatientStatus, ScheduleKind
from core.store.repositories import MessageLogRepository, PatientRepository, ScheduleRepository
from messages import scheduled
from messages.render import render
from messages.schema import Kind
from scheduler.backoff import BackoffLevel, level_for
from scheduler.reachability import (
    Activity,
    mark_unreachable,
    note_activity,
    restore_reachability,
)
from tests.messages.helpers import shipped
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    add_active_patient,
    check_ins,
    get_patient,
    make_ticker,
    outbox,
)

SessionFactory = async_sessionmaker[AsyncSession]
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.mark.parametrize(
    ("days", "level"),
    [
        (0, BackoffLevel.NORMAL),
        (1.99, BackoffLevel.NORMAL),
        (2, BackoffLevel.EVERY_OTHER_DAY),
        (9.9, BackoffLevel.EVERY_OTHER_DAY),
        (10, BackoffLevel.WEEKLY),
        (29.9, BackoffLevel.WEEKLY),
        (30, BackoffLevel.DOOR_OPEN),
        (400, BackoffLevel.DOOR_OPEN),
    ],
)
def test_levels_follow_the_days_of_quiet(days: float, level: BackoffLevel) -> None:
    assert level_for(timedelta(days=days)) is level


async def _active_again(session: AsyncSession, telegram_user_id: int, now: datetime) -> Activity:
    """What an answer or command from the person does (as every use-case notes it)."""
    patient = await PatientRepository(session).seen(telegram_user_id, now)
    assert patient is not None
    return await note_activity(session, patient, now)


async def _schedules(session_factory: SessionFactory, patient_id: int) -> list[object]:
    async with session_factory() as session:
        rows = await ScheduleRepository(session).for_patient(patient_id)
    return [row.next_due_at for row in rows]


@SQLITE_ONLY
async def test_a_quiet_person_gets_fewer_checkins_then_one_open_door_then_nothing(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))  # Monday; daily at 09:00, never answers
    patient = await add_active_patient(
        session_factory, telegram_user_id=1, now=clock.now(), summary_weekday=6
    )
    ticker = make_ticker(session_factory, clock)
    report = await ticker.tick()
    while report.next_due_at is not None and report.next_due_at < utc(2027, 4, 1):
        clock.set(report.next_due_at)
        report = await ticker.tick()
    days = [c.local_date for c in await check_ins(session_factory, patient.id)]
    assert days == [
        # Daily while quiet for under 2 days ...
        date(2027, 1, 4),
        date(2027, 1, 5),
        # ... every other day from 2 days ...
        date(2027, 1, 6),
        date(2027, 1, 8),
        date(2027, 1, 10),
        date(2027, 1, 12),
        # ... weekly from 10 days ...
        date(2027, 1, 14),
        date(2027, 1, 21),
        date(2027, 1, 28),
    ]
    # ... and after 30 days one "the door is open", then nothing at all.
    door = await outbox(session_factory, OutboxKind.DOOR_OPEN.value)
    assert len(door) == 1
    assert door[0].created_at == utc(2027, 2, 4, 9)
    # Its words come from the library, and which variant it was is logged for next time.
    async with session_factory() as session:
        (used,) = await MessageLogRepository(session).recent_ids(
            patient.id, [Kind.DOOR_OPEN.value]
        )
    assert door[0].payload["text"] == render(shipped().get(used))
    assert "library_id" not in door[0].payload
    assert await _schedules(session_factory, patient.id) == [None, None]
    assert (await get_patient(session_factory, patient.id)).backoff_level == BackoffLevel.DOOR_OPEN
    assert report.next_due_at is None

    # They come back: welcome back (once), and their own daily schedule again.
    clock.set(utc(2027, 3, 3, 12))
    async with session_factory.begin() as session:
        activity = await _active_again(session, patient.telegram_user_id, clock.now())
    assert activity.welcome_back
    async with session_factory.begin() as session:
        again = await _active_again(session, patient.telegram_user_id, clock.now())
    assert not again.welcome_back
    async with session_factory() as session:
        row = await ScheduleRepository(session).get(patient.id, ScheduleKind.CHECKIN)
    assert row is not None
    assert row.next_due_at == utc(2027, 3, 4, 9)
    assert (await get_patient(session_factory, patient.id)).backoff_level == BackoffLevel.NORMAL


@SQLITE_ONLY
async def test_someone_who_answers_keeps_their_own_schedule(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    ticker = make_ticker(session_factory, clock)
    report = await ticker.tick()
    while report.next_due_at is not None and report.next_due_at < utc(2027, 1, 25):
        clock.set(report.next_due_at)
        async with session_factory.begin() as session:
            await _active_again(session, patient.telegram_user_id, clock.now())
        report = await ticker.tick()
    assert len(await check_ins(session_factory, patient.id)) == 21


@SQLITE_ONLY
async def test_blocked_people_are_unscheduled_and_return_when_they_unblock(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    async with session_factory.begin() as session:
        assert await mark_unreachable(session, patient.id, clock.now())
    assert (await get_patient(session_factory, patient.id)).status is PatientStatus.UNREACHABLE
    assert await _schedules(session_factory, patient.id) == [None, None]
    clock.set(utc(2027, 1, 5, 9))
    assert (await make_ticker(session_factory, clock).tick()).checkins_queued == 0
    async with session_factory.begin() as session:
        restored = await restore_reachability(session, patient.id, clock.now())
    assert restored is not None
    assert restored.status is PatientStatus.ACTIVE
    assert await _schedules(session_factory, patient.id) == [
        utc(2027, 1, 6, 9),
        utc(2027, 1, 10, 18),
    ]


_NO_BLAME = re.compile(r"\b(should|must|streak|missed|failed)\b|(?<!N)\d", re.IGNORECASE)


@pytest.mark.parametrize("seed", range(12))
def test_scheduled_texts_never_blame_count_or_say_should(seed: int) -> None:
    catalogue = shipped()
    for text in (
        scheduled.door_open(catalogue, seed, []).text,
        scheduled.welcome_back(catalogue, seed, []).text,
        scheduled.nudge(catalogue, seed, [], checkin_time="09:00").text.replace("09:00", "the"),
    ):
        assert not _NO_BLAME.search(text), text


@pytest.mark.parametrize("kind", [Kind.DOOR_OPEN, Kind.WELCOME_BACK, Kind.NUDGE])
def test_no_variant_in_the_library_blames_counts_or_says_should(kind: Kind) -> None:
    variants = shipped().messages(kind)
    assert variants
    for message in variants:
        if kind is Kind.NUDGE:
            text = render(message, checkin_time="09:00").replace("09:00", "the")
        else:
            text = render(message)
        assert not _NO_BLAME.search(text), (message.id, text)


def test_a_person_does_not_get_the_same_variant_twice_in_a_row() -> None:
    catalogue = shipped()
    history: list[str] = []
    for seed in range(20):
        chosen = scheduled.nudge(catalogue, seed, history, checkin_time="09:00")
        assert chosen.library_id not in history[-1:]
        history.append(chosen.library_id)
