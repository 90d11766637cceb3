"""Answer digests stay the answers, packed: through taps, changes and skips, racing writers,
/delete and /export, a rebuild and the migration that created them; and the weekly progress
read from them is the progress read from the answers themselves."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, Integer, String, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import TextClause

from core.domain import CheckIn
from core.progress import DayAnswer, WeekAnswers, analyse, week_answers_from_days
from core.store import migrate
from core.store.engine import create_engine, create_session_factory
from core.store.repositories import (
    CheckInRepository,
    ExportRepository,
    PatientRepository,
    ProgressRepository,
    answer_digests,
)
from core.store.repositories.answer_digests import ITEM_CODES, pack, unpack
from core.store.tables import AnswerDigestRow, UTCDateTime

# A Sunday (digests are read for weeks ending on one) and the days around it.
SUNDAY = date(2026, 3, 1)
JOINED_AT = datetime(2026, 1, 20, 23, 30, tzinfo=UTC)  # a UTC date: 20 January
ITEMS = ["moving_freely", "worry", "sleep", "reframe", "activity:1", "activity:2", "new_item"]

Digests = dict[tuple[int, str, date], tuple[int, dict[str, tuple[int, ...]]]]
Answers = dict[tuple[date, str, str], int | None]  # (local date, slot, item) -> value


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def expected_digests(patient_id: int, joined: date, answers: Answers) -> Digests:
    """The digests the rules give for these answers, worked out plainly."""
    periods: dict[tuple[str, date], list[tuple[date, str, int | None]]] = {}
    for (day, _slot, item), value in answers.items():
        periods.setdefault(("week", _monday(day)), []).append((day, item, value))
        if day < joined + timedelta(days=14):
            periods.setdefault(("baseline", joined), []).append((day, item, value))
    found: Digests = {}
    for (period, first_day), in_period in periods.items():
        values: dict[str, list[int]] = {}
        for _day, item, value in in_period:
            if value is not None:
                values.setdefault(item, []).append(value)
        days = len({day for day, _item, _value in in_period})
        packed = {item: tuple(sorted(found_values)) for item, found_values in values.items()}
        found[(patient_id, period, first_day)] = (days, packed)
    return found


async def stored_digests(
    session_factory: async_sessionmaker[AsyncSession], patient_ids: Iterable[int] | None = None
) -> Digests:
    """What `answer_digests` holds (for these people)."""
    statement = select(AnswerDigestRow)
    if patient_ids is not None:
        statement = statement.where(AnswerDigestRow.patient_id.in_(list(patient_ids)))
    async with session_factory() as session:
        rows = (await session.scalars(statement)).all()
    return {
        (row.patient_id, row.period, row.first_day): (row.days, unpack(row.answers))
        for row in rows
    }


class Person:
    """A patient who answers check-ins through the repository, as the bot does."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], number: int) -> None:
        self.session_factory = session_factory
        self.number = number
        self.id = 0
        self.answers: Answers = {}
        self._check_ins: dict[tuple[date, str], CheckIn] = {}

    async def join(self, at: datetime = JOINED_AT) -> Person:
        async with self.session_factory.begin() as session:
            patient = await PatientRepository(session).add(
                telegram_user_id=70_000 + self.number, chat_id=70_000 + self.number, now=at
            )
        self.id = patient.id
        return self

    async def answer(self, day: date, item: str, value: int | None, slot: str = "daily") -> None:
        async with self.session_factory.begin() as session:
            repository = CheckInRepository(session)
            check_in = self._check_ins.get((day, slot))
            if check_in is None:
                at = datetime.combine(day, time(9), tzinfo=UTC)
                check_in, _ = await repository.create(
                    patient_id=self.id,
                    local_date=day,
                    slot=slot,
                    items=ITEMS,
                    closes_at=at + timedelta(hours=12),
                    now=at,
                )
                self._check_ins[(day, slot)] = check_in
            await repository.record_answer(
                check_in, item=item, value=value, now=datetime.combine(day, time(10), tzinfo=UTC)
            )
        self.answers[(day, slot, item)] = value

    def expected(self) -> Digests:
        return expected_digests(self.id, JOINED_AT.date(), self.answers)

    def day_answers(self) -> list[DayAnswer]:
        return [DayAnswer(item, day, value) for (day, _slot, item), value in self.answers.items()]


async def test_a_tap_a_change_and_a_skip_each_leave_the_digest_true(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    person = await Person(session_factory, 1).join()
    in_baseline = JOINED_AT.date() + timedelta(days=2)  # a Thursday in the first two weeks
    later = SUNDAY - timedelta(days=3)

    await person.answer(in_baseline, "moving_freely", 3)
    await person.answer(in_baseline, "sleep", 2)
    assert await stored_digests(session_factory) == person.expected()
    assert person.expected()[(person.id, "baseline", JOINED_AT.date())] == (
        1,
        {"moving_freely": (3,), "sleep": (2,)},
    )

    await person.answer(in_baseline, "moving_freely", 5)  # changed
    await person.answer(in_baseline, "sleep", None)  # changed to a skip
    await person.answer(later, "worry", None)  # a day of skips only still counts as a day
    await person.answer(later - timedelta(days=1), "activity:1", 10)
    await person.answer(later, "new_item", 4)  # an item without a code is spelt out
    await person.answer(later, "reframe", 4, slot="weekly")
    await person.answer(later, "reframe", 2, slot="ondemand")  # twice on a day: both count
    stored = await stored_digests(session_factory)
    assert stored == person.expected()
    assert stored[(person.id, "week", _monday(later))] == (
        2,
        {"activity:1": (10,), "new_item": (4,), "reframe": (2, 4)},
    )
    assert stored[(person.id, "baseline", JOINED_AT.date())] == (1, {"moving_freely": (5,)})

    # A rebuild from the answers gives the same rows.
    async with session_factory.begin() as session:
        await answer_digests.rebuild(session)
    assert await stored_digests(session_factory) == stored


async def test_values_no_scale_has_are_refused_before_anything_is_written(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    person = await Person(session_factory, 1).join()
    for value in (-1, 11):
        with pytest.raises(ValueError, match="0 to 10"):
            await person.answer(SUNDAY, "sleep", value)
    assert await stored_digests(session_factory) == {}


def test_packing_round_trips() -> None:
    values = {"moving_freely": [4, 3, 4], "activity:2": [0, 10], "some_new_item": [1], "x": []}
    packed = pack(values)
    assert unpack(packed) == {
        "moving_freely": (3, 4, 4),
        "activity:2": (0, 10),
        "some_new_item": (1,),
    }
    assert packed.split(";")[0] == "M344"
    assert unpack("") == {}
    assert len(set(ITEM_CODES.values())) == len(ITEM_CODES)
    with pytest.raises(ValueError, match="0 to 10"):
        pack({"sleep": [11]})


# Random histories: days from the join to well past the week summarised, any items,
# skips, changes, and a few extra check-ins on the same day.
_days = st.integers(0, (SUNDAY - JOINED_AT.date()).days + 8)
_taps = st.lists(
    st.tuples(
        _days,
        st.sampled_from(ITEMS),
        st.one_of(st.none(), st.integers(1, 5), st.integers(0, 10)),
        st.sampled_from(["daily", "daily", "daily", "ondemand"]),
    ),
    max_size=25,
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(taps=_taps)
async def test_progress_from_digests_is_progress_from_the_answers(
    session_factory: async_sessionmaker[AsyncSession],
    taps: Sequence[tuple[int, str, int | None, str]],
) -> None:
    person = await Person(session_factory, _new_number()).join()
    for offset, item, value, slot in taps:
        await person.answer(JOINED_AT.date() + timedelta(days=offset), item, value, slot)

    assert await stored_digests(session_factory, [person.id]) == person.expected()
    for week_end in (SUNDAY - timedelta(days=7), SUNDAY, SUNDAY + timedelta(days=7)):
        raw = week_answers_from_days(person.id, week_end, JOINED_AT.date(), person.day_answers())
        async with session_factory() as session:
            found = await ProgressRepository(session).week_answers_for(person.id, week_end)
        if found is None:
            periods = (dict(raw.this_week), dict(raw.weeks_ago), dict(raw.baseline))
            assert (raw.days, periods) == (0, ({}, {}, {}))
            continue
        assert _normalised(found) == _normalised(raw)
        assert analyse(found) == analyse(raw)


_numbers = iter(range(1, 10**6))


def _new_number() -> int:
    return next(_numbers)


def _normalised(week: WeekAnswers) -> tuple[object, ...]:
    def norm(values: dict[str, Sequence[int]] | object) -> dict[str, list[int]]:
        assert isinstance(values, dict)
        return {item: sorted(given) for item, given in values.items() if given}

    return (
        week.patient_id,
        week.week_end,
        week.baseline_start,
        norm(dict(week.this_week)),
        norm(dict(week.weeks_ago)),
        norm(dict(week.baseline)),
        week.days,
    )


async def test_everyones_progress_from_digests_matches_the_answers_in_one_statement(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    people = []
    for number, offsets in enumerate([(0, 3, 20, 36, 40), (2,), (38, 39, 40), ()], start=1):
        person = await Person(session_factory, number).join()
        for offset in offsets:
            day = JOINED_AT.date() + timedelta(days=offset)
            await person.answer(day, "moving_freely", offset % 5 + 1)
            await person.answer(day, "sleep", None)
        people.append(person)
    async with session_factory() as session:
        from_digests = await ProgressRepository(session).week_answers(SUNDAY)
        # A Saturday cuts across calendar weeks: read from the answers.
        from_answers = await ProgressRepository(session).week_answers(SUNDAY - timedelta(days=1))
    answered = [p for p in people if p.answers]
    assert sorted(from_digests) == sorted(from_answers) == [p.id for p in answered]
    for person in answered:
        for week_end, found in ((SUNDAY, from_digests), (SUNDAY - timedelta(1), from_answers)):
            raw = week_answers_from_days(
                person.id, week_end, JOINED_AT.date(), person.day_answers()
            )
            assert _normalised(found[person.id]) == _normalised(raw)


async def test_deleting_a_person_erases_their_digests_and_export_includes_them(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    leaving = await Person(session_factory, 1).join()
    staying = await Person(session_factory, 2).join()
    for person in (leaving, staying):
        await person.answer(JOINED_AT.date(), "moving_freely", 4)
        await person.answer(SUNDAY, "sleep", 2)
    async with session_factory() as session:
        exported = await ExportRepository(session).everything(leaving.id)
    assert exported["answer_digests"] == [
        {
            "period": "week",
            "first_day": _monday(JOINED_AT.date()),
            "days": 1,
            "answers": {"moving_freely": [4]},
        },
        {"period": "week", "first_day": _monday(SUNDAY), "days": 1, "answers": {"sleep": [2]}},
        {
            "period": "baseline",
            "first_day": JOINED_AT.date(),
            "days": 1,
            "answers": {"moving_freely": [4]},
        },
    ]
    async with session_factory.begin() as session:
        assert await PatientRepository(session).delete(leaving.id)
    assert await stored_digests(session_factory, [leaving.id]) == {}
    assert await stored_digests(session_factory) == staying.expected() != {}


@pytest.mark.postgres
async def test_racing_writers_of_one_week_both_end_up_in_its_digest(
    engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time (BEGIN IMMEDIATE)")
    person = await Person(session_factory, 1).join()
    await person.answer(SUNDAY, "sleep", 3)  # creates the check-in
    check_in = person._check_ins[(SUNDAY, "daily")]
    now = datetime.combine(SUNDAY, time(10), tzinfo=UTC)

    async def tap(session: AsyncSession, item: str, value: int) -> None:
        await CheckInRepository(session).record_answer(check_in, item=item, value=value, now=now)

    first = session_factory()
    second = session_factory()
    try:
        await first.begin()
        await tap(first, "moving_freely", 4)  # holds the person until it commits
        await second.begin()
        racing = asyncio.create_task(tap(second, "worry", 2))
        await _until_waiting_for_a_lock(session_factory)
        await first.commit()
        await racing
        await second.commit()
    finally:
        await first.close()
        await second.close()
    stored = await stored_digests(session_factory)
    assert stored[(person.id, "week", _monday(SUNDAY))] == (
        1,
        {"moving_freely": (4,), "sleep": (3,), "worry": (2,)},
    )


async def _until_waiting_for_a_lock(session_factory: async_sessionmaker[AsyncSession]) -> None:
    """Return once another connection waits for a row lock (PostgreSQL's own view of it)."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(10_000):
        async with session_factory() as session:
            if await session.scalar(waiting):
                return
        await asyncio.sleep(0)
    raise AssertionError("the second writer never waited for the first")


_OLD_HEAD = "e7c9a1b3d5f6"


async def test_the_migration_fills_digests_from_the_answers_already_stored(
    database_url: str,
) -> None:
    await migrate.upgrade(database_url, _OLD_HEAD)
    engine = create_engine(database_url)
    people = {1: JOINED_AT, 2: JOINED_AT + timedelta(days=9), 3: JOINED_AT}
    answers: dict[int, Answers] = {
        1: {
            (JOINED_AT.date(), "daily", "moving_freely"): 3,
            (JOINED_AT.date(), "daily", "sleep"): None,
            (JOINED_AT.date(), "ondemand", "moving_freely"): 5,
            (SUNDAY, "daily", "activity:3"): 10,
            (SUNDAY, "daily", "new_item"): 0,
        },
        2: {(SUNDAY - timedelta(days=d), "daily", "worry"): d % 5 + 1 for d in range(40)},
        3: {},
    }
    try:
        async with engine.begin() as connection:
            for number, joined_at in people.items():
                await connection.execute(
                    text(
                        "INSERT INTO patients (id, telegram_user_id, chat_id, created_at, "
                        "updated_at) VALUES (:id, :tg, :tg, :at, :at)"
                    ).bindparams(bindparam("at", type_=UTCDateTime())),
                    {"id": number, "tg": 80_000 + number, "at": joined_at},
                )
            check_in_ids: dict[tuple[int, date, str], int] = {}
            for number, given in answers.items():
                for day, slot, item in given:
                    if (number, day, slot) not in check_in_ids:
                        check_in_ids[(number, day, slot)] = len(check_in_ids) + 1
                        await connection.execute(
                            _insert_check_in(),
                            {
                                "id": check_in_ids[(number, day, slot)],
                                "patient": number,
                                "day": day,
                                "slot": slot,
                                "at": JOINED_AT,
                            },
                        )
                    await connection.execute(
                        _insert_answer(),
                        {
                            "check_in": check_in_ids[(number, day, slot)],
                            "patient": number,
                            "item": item,
                            "value": given[(day, slot, item)],
                            "at": JOINED_AT,
                        },
                    )
    finally:
        await engine.dispose()

    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        session_factory = create_session_factory(engine)
        expected: Digests = {}
        for number, given in answers.items():
            expected |= expected_digests(number, people[number].date(), given)
        migrated = await stored_digests(session_factory)
        assert migrated == expected
        # The same as the repository's own rebuild.
        async with session_factory.begin() as session:
            await answer_digests.rebuild(session, [1, 2, 3])
        assert await stored_digests(session_factory) == migrated
    finally:
        await engine.dispose()


def _insert_check_in() -> TextClause:
    return text(
        "INSERT INTO check_ins (id, patient_id, local_date, slot, items, status, closes_at, "
        "created_at) VALUES (:id, :patient, :day, :slot, '[]', 'closed', :at, :at)"
    ).bindparams(
        bindparam("id", type_=Integer()),
        bindparam("day", type_=Date()),
        bindparam("slot", type_=String()),
        bindparam("at", type_=UTCDateTime()),
    )


def _insert_answer() -> TextClause:
    return text(
        "INSERT INTO answers (check_in_id, patient_id, item, value, answered_at) "
        "VALUES (:check_in, :patient, :item, :value, :at)"
    ).bindparams(
        bindparam("value", type_=Integer()),
        bindparam("at", type_=UTCDateTime()),
    )
