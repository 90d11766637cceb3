"""CheckInRepository: check-ins and answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import Answer, CheckIn, CheckInSlot, CheckInStatus
from core.store.repositories import CheckInRepository
from core.store.tables import AnswerRow, CheckInRow
from tests.store.helpers import NOW, TODAY, add_check_in, add_patient


async def _count(session_factory: async_sessionmaker[AsyncSession], table: type) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_check_in_is_created_once_per_patient_date_and_slot(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    first = await add_check_in(session_factory, patient)
    assert first == CheckIn(
        id=first.id,
        patient_id=patient.id,
        local_date=TODAY,
        slot="daily",
        items=("moving_freely", "confidence"),
        status=CheckInStatus.OPEN,
        sent_at=None,
        closes_at=NOW + timedelta(hours=14),
        telegram_message_id=None,
        note=None,
        created_at=NOW,
    )
    async with session_factory.begin() as session:
        again, created = await CheckInRepository(session).create(
            patient_id=patient.id,
            local_date=TODAY,
            slot=CheckInSlot.DAILY,
            items=["sleep"],
            closes_at=NOW,
            now=NOW + timedelta(minutes=1),
        )
    assert (again, created) == (first, False)
    # Another slot, or another day, is another check-in.
    weekly = await add_check_in(session_factory, patient, slot=CheckInSlot.WEEKLY)
    tomorrow = await add_check_in(session_factory, patient, local_date=TODAY + timedelta(days=1))
    assert len({first.id, weekly.id, tomorrow.id}) == 3
    async with session_factory() as session:
        check_ins = CheckInRepository(session)
        assert await check_ins.get(first.id) == first
        assert await check_ins.get_by_key(patient.id, TODAY, "weekly") == weekly
        assert await check_ins.get(404) is None


async def test_sending_closing_and_notes_are_recorded(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    async with session_factory.begin() as session:
        check_ins = CheckInRepository(session)
        await check_ins.mark_sent(check_in.id, sent_at=NOW, telegram_message_id=9_000_000_000)
        await check_ins.set_note(check_in.id, "walked to the shop")
        closed = await check_ins.set_status(check_in.id, CheckInStatus.CLOSED)
        assert await check_ins.set_status(404, CheckInStatus.CLOSED) is None
    assert closed is not None
    assert (closed.sent_at, closed.telegram_message_id) == (NOW, 9_000_000_000)
    assert (closed.note, closed.status) == ("walked to the shop", CheckInStatus.CLOSED)


async def test_an_answer_is_stored_and_a_skip_is_none(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    async with session_factory.begin() as session:
        check_ins = CheckInRepository(session)
        answer = await check_ins.record_answer(check_in, item="moving_freely", value=4, now=NOW)
        skipped = await check_ins.record_answer(check_in, item="confidence", value=None, now=NOW)
    assert answer == Answer(
        id=answer.id,
        check_in_id=check_in.id,
        patient_id=check_in.patient_id,
        item="moving_freely",
        value=4,
        answered_at=NOW,
        changed_at=None,
    )
    assert skipped.value is None
    async with session_factory() as session:
        assert await CheckInRepository(session).answers(check_in.id) == [answer, skipped]


async def test_a_second_tap_changes_the_answer_and_keeps_one_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    taps = [(3, NOW), (3, NOW + timedelta(seconds=1)), (5, NOW + timedelta(minutes=2))]
    results = []
    for value, at in taps:
        async with session_factory.begin() as session:
            results.append(
                await CheckInRepository(session).record_answer(
                    check_in, item="moving_freely", value=value, now=at
                )
            )
    # The same value again is not a change; a different value is, at the time of the tap.
    assert [(a.value, a.answered_at, a.changed_at) for a in results] == [
        (3, NOW, None),
        (3, NOW, None),
        (5, NOW, NOW + timedelta(minutes=2)),
    ]
    assert len({a.id for a in results}) == 1
    async with session_factory.begin() as session:
        skipped = await CheckInRepository(session).record_answer(
            check_in, item="moving_freely", value=None, now=NOW + timedelta(minutes=3)
        )
    assert (skipped.value, skipped.changed_at) == (None, NOW + timedelta(minutes=3))
    assert await _count(session_factory, AnswerRow) == 1


async def test_racing_double_taps_leave_one_answer(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))

    async def tap(value: int) -> Answer:
        async with session_factory.begin() as session:
            answer = await CheckInRepository(session).record_answer(
                check_in, item="confidence", value=value, now=NOW
            )
            await asyncio.sleep(0.02)  # keep both transactions open at once
            return answer

    await asyncio.gather(tap(2), tap(4))
    async with session_factory() as session:
        answers = await CheckInRepository(session).answers(check_in.id)
    assert len(answers) == 1
    assert answers[0].value in {2, 4}


async def test_racing_creations_of_one_check_in_leave_one_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)

    async def create() -> tuple[CheckIn, bool]:
        async with session_factory.begin() as session:
            result = await CheckInRepository(session).create(
                patient_id=patient.id,
                local_date=TODAY,
                slot=CheckInSlot.DAILY,
                items=["sleep"],
                closes_at=NOW,
                now=NOW,
            )
            await asyncio.sleep(0.02)
            return result

    results = await asyncio.gather(create(), create(), create())
    assert len({check_in.id for check_in, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, True]
    assert await _count(session_factory, CheckInRow) == 1
