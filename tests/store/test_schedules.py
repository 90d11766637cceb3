"""ScheduleRepository and NudgeRepository: what falls due, claimed once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import Patient, PatientStatus, Schedule, ScheduleKind
from core.store.repositories import NudgeRepository, PatientRepository, ScheduleRepository
from core.store.repositories.schedules import ScheduleStep
from tests.store.helpers import NOW, TODAY, add_check_in, add_patient

CHECKIN, SUMMARY = ScheduleKind.CHECKIN, ScheduleKind.SUMMARY


async def _schedule(
    session_factory: async_sessionmaker[AsyncSession],
    patient: Patient,
    minutes: int,
    kind: ScheduleKind = CHECKIN,
) -> Schedule:
    async with session_factory.begin() as session:
        return await ScheduleRepository(session).set(
            patient.id,
            kind,
            next_due_at=NOW + timedelta(minutes=minutes),
            due_local_date=TODAY,
            now=NOW,
        )


async def test_a_person_has_one_schedule_of_each_kind(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    first = await _schedule(session_factory, patient, 5)
    assert first == Schedule(
        id=first.id,
        patient_id=patient.id,
        kind=CHECKIN,
        next_due_at=NOW + timedelta(minutes=5),
        due_local_date=TODAY,
        updated_at=NOW,
    )
    summary = await _schedule(session_factory, patient, 60, SUMMARY)
    async with session_factory.begin() as session:
        schedules = ScheduleRepository(session)
        replaced = await schedules.set(
            patient.id, CHECKIN, next_due_at=None, due_local_date=None, now=NOW
        )
        assert replaced.id == first.id
        assert await schedules.get(patient.id, CHECKIN) == replaced
        assert await schedules.for_patient(patient.id) == [replaced, summary]
        assert await schedules.get(patient.id + 1, CHECKIN) is None


async def test_due_schedules_are_claimed_oldest_first_with_their_patient(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    people = [await add_patient(session_factory, n) for n in (1, 2, 3)]
    for patient, minutes in zip(people, (10, 0, 30), strict=True):
        await _schedule(session_factory, patient, minutes)
    async with session_factory.begin() as session:
        schedules = ScheduleRepository(session)
        assert await schedules.earliest_due() == NOW
        due = await schedules.claim_due(now=NOW + timedelta(minutes=10), limit=10)
        assert [(d.patient.id, d.schedule.patient_id) for d in due] == [
            (people[1].id, people[1].id),
            (people[0].id, people[0].id),
        ]
        assert len(await schedules.claim_due(now=NOW + timedelta(minutes=10), limit=1)) == 1
        # Each claimed row moves on before the transaction ends.
        await schedules.advance_many(
            [
                ScheduleStep(
                    due[0].schedule.id,
                    next_due_at=NOW + timedelta(days=1),
                    due_local_date=TODAY + timedelta(days=1),
                ),
                ScheduleStep(due[1].schedule.id, next_due_at=None, due_local_date=None),
            ],
            NOW,
        )
        await schedules.advance_many([], NOW)
        assert await schedules.claim_due(now=NOW + timedelta(minutes=10), limit=10) == []
        assert await schedules.earliest_due() == NOW + timedelta(minutes=30)


async def test_stopping_schedules_nothing_more(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    await _schedule(session_factory, patient, 0)
    await _schedule(session_factory, patient, 0, SUMMARY)
    later = NOW + timedelta(hours=1)
    async with session_factory.begin() as session:
        schedules = ScheduleRepository(session)
        await schedules.stop_all(patient.id, later)
        stopped = await schedules.for_patient(patient.id)
        assert [(s.next_due_at, s.due_local_date, s.updated_at) for s in stopped] == [
            (None, None, later),
            (None, None, later),
        ]
        assert await schedules.claim_due(now=NOW + timedelta(days=365), limit=10) == []
        assert await schedules.earliest_due() is None


async def test_back_off_levels_are_recorded_on_the_person(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    first = await add_patient(session_factory, 1)
    second = await add_patient(session_factory, 2)
    async with session_factory.begin() as session:
        schedules = ScheduleRepository(session)
        await schedules.set_backoff_level(first.id, 2)
        assert (await PatientRepository(session).many([first.id]))[first.id].backoff_level == 2
        await schedules.set_backoff_levels({first.id: 3, second.id: 1})
        await schedules.set_backoff_levels({})
        found = await PatientRepository(session).many([first.id, second.id])
    assert (found[first.id].backoff_level, found[second.id].backoff_level) == (3, 1)


async def test_active_or_paused_people_without_schedules_are_found(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    active, paused, _onboarding, scheduled = [
        await add_patient(session_factory, n) for n in (1, 2, 3, 4)
    ]
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        await patients.update_status(active.id, PatientStatus.ACTIVE, NOW)
        await patients.update_status(paused.id, PatientStatus.PAUSED, NOW)
        await patients.update_status(scheduled.id, PatientStatus.ACTIVE, NOW)
    await _schedule(session_factory, scheduled, 0)
    async with session_factory() as session:
        schedules = ScheduleRepository(session)
        found = await schedules.patients_without_schedules()
        assert [p.id for p in found] == [active.id, paused.id]
        # Not the one still onboarding, nor the one with schedules.
        assert [p.id for p in await schedules.patients_without_schedules(limit=1)] == [active.id]


async def test_a_nudge_is_planned_claimed_and_cancelled(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    today = await add_check_in(session_factory, patient)
    tomorrow = await add_check_in(session_factory, patient, TODAY + timedelta(days=1))
    due_at = NOW + timedelta(hours=3)
    async with session_factory.begin() as session:
        nudges = NudgeRepository(session)
        assert await nudges.earliest() is None
        await nudges.set(today.id, due_at=due_at)
        await nudges.set(tomorrow.id, due_at=due_at + timedelta(days=1), sent=1, reply="later")
        assert await nudges.earliest() == due_at
        assert await nudges.claim_due(now=due_at - timedelta(seconds=1), limit=10) == []
        [due] = await nudges.claim_due(now=due_at, limit=10)
        assert (due.check_in.id, due.check_in.nudge_due_at, due.patient.id) == (
            today.id,
            due_at,
            patient.id,
        )
        # Sent: the nudge is counted and nothing more is due for that check-in.
        await nudges.set(today.id, due_at=None, sent=1)
        assert await nudges.claim_due(now=due_at, limit=10) == []
        [later] = await nudges.claim_due(now=due_at + timedelta(days=1), limit=10)
        assert (later.check_in.nudges_sent, later.check_in.nudge_reply) == (1, "later")


# SKIP LOCKED is PostgreSQL's; SQLite has a single writer and serialises whole transactions.
@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_ticks_on_postgresql_never_claim_the_same_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    people = [await add_patient(session_factory, n) for n in range(10)]
    for patient in people:
        await _schedule(session_factory, patient, 0)
        check_in = await add_check_in(session_factory, patient)
        async with session_factory.begin() as session:
            await NudgeRepository(session).set(check_in.id, due_at=NOW)
    first_claimed, second_claimed = asyncio.Event(), asyncio.Event()

    async def tick(first: bool) -> tuple[set[int], set[int]]:
        async with session_factory.begin() as session:
            if not first:
                await first_claimed.wait()
            schedules = await ScheduleRepository(session).claim_due(now=NOW, limit=6)
            nudges = await NudgeRepository(session).claim_due(now=NOW, limit=6)
            if first:
                first_claimed.set()
                await second_claimed.wait()  # hold the row locks while the other one claims
            else:
                second_claimed.set()
            return {d.schedule.id for d in schedules}, {d.check_in.id for d in nudges}

    # Without SKIP LOCKED the second tick would wait for the first, which waits for it.
    async with asyncio.timeout(30):
        (schedules_one, nudges_one), (schedules_two, nudges_two) = await asyncio.gather(
            tick(True), tick(False)
        )
    assert (len(schedules_one), len(schedules_two)) == (6, 4)
    assert not schedules_one & schedules_two
    assert (len(nudges_one), len(nudges_two)) == (6, 4)
    assert not nudges_one & nudges_two
