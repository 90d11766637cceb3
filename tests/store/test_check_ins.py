"""CheckInRepository: check-ins and answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import Answer, CheckIn, CheckInSlot, CheckInStatus
from core.store.repositories import CheckInRepository
from core.store.repositories.check_ins import NewCheckIn, SentCheckIn
from core.store.tables import AnswerRow, CheckInRow
from tests.store.helpers import NOW, TODAY, add_check_in, add_patient, new_check_in


async def _count(session_factory: async_sessionmaker[AsyncSession], table: type) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def _answers(
    session_factory: async_sessionmaker[AsyncSession], check_in: CheckIn
) -> list[Answer]:
    async with session_factory() as session:
        return await CheckInRepository(session).answers(check_in.id)


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
        nudge_due_at=None,
        nudges_sent=0,
        nudge_reply=None,
    )
    # A double fire of the tick: the existing check-in is left exactly as it was.
    async with session_factory.begin() as session:
        again = await CheckInRepository(session).create_many(
            [new_check_in(patient, items=("sleep",))], NOW + timedelta(minutes=1)
        )
    assert again == []
    # Another slot, or another day, is another check-in; only the new ones come back.
    tomorrow = TODAY + timedelta(days=1)
    async with session_factory.begin() as session:
        created = await CheckInRepository(session).create_many(
            [
                new_check_in(patient),
                new_check_in(patient, slot=CheckInSlot.WEEKLY),
                new_check_in(patient, local_date=tomorrow),
            ],
            NOW,
        )
    assert sorted((c.local_date, c.slot) for c in created) == [
        (TODAY, "weekly"),
        (tomorrow, "daily"),
    ]
    weekly = next(c for c in created if c.slot == "weekly")
    assert len({first.id, *(c.id for c in created)}) == 3
    assert await _count(session_factory, CheckInRow) == 3
    async with session_factory() as session:
        check_ins = CheckInRepository(session)
        assert await check_ins.get(first.id) == first
        assert await check_ins.get(404) is None
        assert await check_ins.many([first.id, weekly.id, 404]) == {
            first.id: first,
            weekly.id: weekly,
        }
        assert await check_ins.many([]) == {}
        on_today = await check_ins.on_dates({(patient.id, TODAY)})
        assert sorted(on_today, key=lambda c: c.id) == [first, weekly]
        assert await check_ins.on_dates({(patient.id + 1, TODAY)}) == []
        assert await check_ins.on_dates(set()) == []
        assert await check_ins.create_many([], NOW) == []


async def test_a_check_in_can_be_recorded_as_missed_while_n1_was_down(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    async with session_factory.begin() as session:
        [missed] = await CheckInRepository(session).create_many(
            [
                NewCheckIn(
                    patient_id=patient.id,
                    local_date=TODAY,
                    slot=CheckInSlot.DAILY,
                    items=["sleep"],
                    closes_at=NOW + timedelta(hours=14),
                    status=CheckInStatus.MISSED_DOWNTIME,
                )
            ],
            NOW,
        )
    async with session_factory() as session:
        stored = await CheckInRepository(session).get(missed.id)
    assert stored is not None
    assert stored.status is CheckInStatus.MISSED_DOWNTIME
    assert not stored.is_open(NOW)


async def test_sending_and_notes_are_recorded_and_a_check_in_closes_on_time(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    async with session_factory.begin() as session:
        check_ins = CheckInRepository(session)
        # A check-in that is gone (erased meanwhile) is passed over.
        await check_ins.mark_sent_many(
            [SentCheckIn(check_in.id, NOW, 9_000_000_000), SentCheckIn(404, NOW, 1)]
        )
        noted = await check_ins.set_note(check_in.id, "walked to the shop")
        assert await check_ins.set_note(404, "nobody's") is None
        assert await check_ins.get(404) is None
    assert noted is not None
    assert (noted.sent_at, noted.telegram_message_id) == (NOW, 9_000_000_000)
    assert noted.note == "walked to the shop"
    async with session_factory() as session:
        assert await CheckInRepository(session).get(check_in.id) == noted
    # Open until the moment it closes, and not from then on.
    assert noted.is_open(check_in.closes_at - timedelta(seconds=1))
    assert not noted.is_open(check_in.closes_at)
    async with session_factory.begin() as session:
        cleared = await CheckInRepository(session).set_note(check_in.id, None)
    assert cleared is not None
    assert cleared.note is None


async def test_an_answer_is_stored_and_a_skip_is_none(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    async with session_factory() as session:
        assert not await CheckInRepository(session).has_answers(check_in.id)
    async with session_factory.begin() as session:
        check_ins = CheckInRepository(session)
        await check_ins.record_answer(check_in, item="moving_freely", value=4, now=NOW)
        await check_ins.record_answer(check_in, item="confidence", value=None, now=NOW)
    answer, skipped = await _answers(session_factory, check_in)
    assert answer == Answer(
        id=answer.id,
        check_in_id=check_in.id,
        patient_id=check_in.patient_id,
        item="moving_freely",
        value=4,
        answered_at=NOW,
        changed_at=None,
    )
    assert (skipped.item, skipped.value) == ("confidence", None)
    async with session_factory() as session:
        check_ins = CheckInRepository(session)
        assert await check_ins.has_answers(check_in.id)
        assert await check_ins.answers_of([check_in.id, 404]) == {
            check_in.id: [answer, skipped],
            404: [],
        }
        assert await check_ins.answers_of([]) == {}


@pytest.mark.parametrize("value", [-1, 11])
async def test_a_value_off_every_scale_is_refused(
    session_factory: async_sessionmaker[AsyncSession], value: int
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    async with session_factory.begin() as session:
        with pytest.raises(ValueError, match="0 to 10"):
            await CheckInRepository(session).record_answer(
                check_in, item="moving_freely", value=value, now=NOW
            )
    assert await _answers(session_factory, check_in) == []


async def test_a_second_tap_changes_the_answer_and_keeps_one_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    taps = [(3, NOW), (3, NOW + timedelta(seconds=1)), (5, NOW + timedelta(minutes=2))]
    seen = []
    for value, at in taps:
        async with session_factory.begin() as session:
            await CheckInRepository(session).record_answer(
                check_in, item="moving_freely", value=value, now=at
            )
        [answer] = await _answers(session_factory, check_in)
        seen.append(answer)
    # The same value again is not a change; a different value is, at the time of the tap.
    assert [(a.value, a.answered_at, a.changed_at) for a in seen] == [
        (3, NOW, None),
        (3, NOW, None),
        (5, NOW, NOW + timedelta(minutes=2)),
    ]
    assert len({a.id for a in seen}) == 1
    async with session_factory.begin() as session:
        await CheckInRepository(session).record_answer(
            check_in, item="moving_freely", value=None, now=NOW + timedelta(minutes=3)
        )
    [skipped] = await _answers(session_factory, check_in)
    assert (skipped.value, skipped.changed_at) == (None, NOW + timedelta(minutes=3))
    # Skipping again changes nothing; answering after a skip is a change.
    async with session_factory.begin() as session:
        await CheckInRepository(session).record_answer(
            check_in, item="moving_freely", value=None, now=NOW + timedelta(minutes=4)
        )
    [still] = await _answers(session_factory, check_in)
    assert still.changed_at == NOW + timedelta(minutes=3)
    async with session_factory.begin() as session:
        await CheckInRepository(session).record_answer(
            check_in, item="moving_freely", value=2, now=NOW + timedelta(minutes=5)
        )
    [answered] = await _answers(session_factory, check_in)
    assert (answered.value, answered.changed_at) == (2, NOW + timedelta(minutes=5))
    assert await _count(session_factory, AnswerRow) == 1


async def test_racing_double_taps_leave_one_answer(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    check_in = await add_check_in(session_factory, await add_patient(session_factory))
    # Both transactions are open before either writes (on SQLite the second then waits for
    # the first; on PostgreSQL both statements race for the same unique key).
    both_open = asyncio.Barrier(2)

    async def tap(value: int) -> None:
        async with session_factory.begin() as session:
            await both_open.wait()
            await CheckInRepository(session).record_answer(
                check_in, item="confidence", value=value, now=NOW
            )

    await asyncio.gather(tap(2), tap(4))
    answers = await _answers(session_factory, check_in)
    assert len(answers) == 1
    assert answers[0].value in {2, 4}
    # Whichever came second changed the first one's answer.
    assert answers[0].changed_at == NOW


async def test_racing_creations_of_one_check_in_leave_one_row(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    all_open = asyncio.Barrier(3)

    async def create() -> list[CheckIn]:
        async with session_factory.begin() as session:
            await all_open.wait()
            return await CheckInRepository(session).create_many([new_check_in(patient)], NOW)

    results = await asyncio.gather(create(), create(), create())
    assert sorted(len(created) for created in results) == [0, 0, 1]
    assert await _count(session_factory, CheckInRow) == 1
