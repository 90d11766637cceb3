"""Answer digests: each person's answers per calendar week and for their baseline, packed.

Why: the weekly progress of everyone (scale.md B7) would otherwise read every answer in
every person's window (this week, three weeks before, the baseline: millions of rows at
100,000 people). A digest is the same answers, grouped and packed once when an answer is
written, so a summary reads one small row per period (`ProgressRepository.week_answers`).

A row of `answer_digests` is one person's period: a calendar week of local dates (period
"week", `first_day` its Monday) or their baseline (period "baseline", `first_day` the UTC date
they joined; every answer dated before 14 days later, as `core.progress` defines it).
`days` counts the local days in the period with an answered check-in (skips count), and
`answers` packs the values given (skips are left out):

- segments joined by ";", one per item with at least one value, in no particular order;
- a segment is the item's code (one capital letter, `ITEM_CODES`; an item without a code is
  spelt out and followed by "=") and then one character per value, in ascending order:
  chr(48 + value), so "0".."9", and ":" for 10. "M344;R3" is moving freely 3, 4 and 4 and the
  reframe 3. No N1 scale goes outside 0-10, and `check_value` refuses anything that does.

How the digests stay true to the answers:

- `CheckInRepository.record_answer` calls `lock_person` before it writes an answer (new,
  changed or skipped) and `refresh_for_answer` after; for a button tap,
  `check_in_taps.read_tap` takes the same lock as it reads the person and
  `check_in_taps.write_answer` refreshes. The refresh recomputes, from the answers
  themselves, the digest of that day's week and, when the day is in the person's baseline,
  the baseline's: one INSERT ... SELECT, so a changed answer cannot leave its old value
  behind, however the taps interleave.
- On PostgreSQL two transactions could each recompute without seeing the other's
  uncommitted answer; `lock_person` takes the person's row (FOR NO KEY UPDATE) first, so one
  person's answers are written and digested one transaction at a time. (SQLite's
  `BEGIN IMMEDIATE` already serialises writers; nothing is sent there.)
- Rows go with the person (ON DELETE CASCADE) on /delete; /export includes them (`readable`).
- `rebuild` recomputes everyone's (or some people's) digests set-based: for bulk loads that
  write answers without the repository (the benchmark, tests). The migration that created
  the table filled it with the same SQL.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    case,
    delete,
    distinct,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from core.progress import BASELINE_DAYS, WEEK_DAYS
from core.store.repositories._common import insert_on_conflict, upsert
from core.store.sqlite_driver import execute_behind
from core.store.tables import AnswerDigestRow, AnswerRow, CheckInRow, PatientRow

if TYPE_CHECKING:
    from core.store.repositories._common import Upsert

WEEK: Final = "week"
BASELINE: Final = "baseline"

# Stable one-letter codes of the items the weekly analysis reads. Stored in every digest:
# never change or reuse a letter (a new item takes a new one; until then it is spelt out).
ITEM_CODES: Final[dict[str, str]] = {
    "moving_freely": "M",
    "confidence": "C",
    "worry": "W",
    "doing_what_matters": "D",
    "pain_dominance": "P",
    "sleep": "S",
    "energy": "E",
    "reframe": "R",
    "activity:1": "X",
    "activity:2": "Y",
    "activity:3": "Z",
}
# Values a digest holds: every N1 scale (markers 1-5, activities 0-10).
MIN_VALUE: Final = 0
MAX_VALUE: Final = 10
_ZERO: Final = 48  # ord("0"): a value's character is chr(_ZERO + value)
_SEGMENTS: Final = ";"
_SPELT: Final = "="
# Ids per IN list when rebuilding some people (SQLite allows 32,766 parameters).
_REBUILD_CHUNK: Final = 5000


def check_value(value: int | None) -> None:
    """Refuse a value no N1 scale has (a digest could not hold it)."""
    if value is not None and not MIN_VALUE <= value <= MAX_VALUE:
        raise ValueError(f"answers are {MIN_VALUE} to {MAX_VALUE} (or skipped), got {value}")


# ---------------------------------------------------------------------------------------------
# Date arithmetic SQLite and PostgreSQL spell differently (no portable SQLAlchemy construct).


class WeekStart(FunctionElement[date]):
    """The Monday of a local date's calendar week."""

    type = Date()
    inherit_cache = True
    name = "week_start"


@compiles(WeekStart, "sqlite")
def _week_start_sqlite(element: WeekStart, compiler: SQLCompiler, **kw: Any) -> str:
    (day,) = element.clauses
    # "weekday 0" moves on to the Sunday (or stays on it); six days before is the Monday.
    return f"date({compiler.process(day, **kw)}, 'weekday 0', '-6 days')"


@compiles(WeekStart, "postgresql")
def _week_start_postgresql(element: WeekStart, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses.clauses[0], **kw)
    # Date minus whole days is a date (ISO day of week: Monday 1 .. Sunday 7).
    return f"({day} - (CAST(EXTRACT(ISODOW FROM {day}) AS INTEGER) - 1))"


class JoinedOn(FunctionElement[date]):
    """The UTC date of a `created_at` (where a person's baseline starts)."""

    type = Date()
    inherit_cache = True
    name = "joined_on"


@compiles(JoinedOn, "sqlite")
def _joined_on_sqlite(element: JoinedOn, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = element.clauses
    return f"date({compiler.process(moment, **kw)})"


@compiles(JoinedOn, "postgresql")
def _joined_on_postgresql(element: JoinedOn, compiler: SQLCompiler, **kw: Any) -> str:
    (moment,) = element.clauses
    return f"CAST({compiler.process(moment, **kw)} AT TIME ZONE 'UTC' AS DATE)"


class BaselineEnd(FunctionElement[date]):
    """The first day after a person's baseline: the UTC date they joined + `BASELINE_DAYS`.

    The number of days is a constant of the class (never per instance), so SQLAlchemy's
    statement cache cannot mix up two different spans.
    """

    type = Date()
    inherit_cache = True
    name = "baseline_end"


@compiles(BaselineEnd, "sqlite")
def _baseline_end_sqlite(element: BaselineEnd, compiler: SQLCompiler, **kw: Any) -> str:
    (joined,) = element.clauses
    return f"date({compiler.process(joined, **kw)}, '+{BASELINE_DAYS:d} days')"


@compiles(BaselineEnd, "postgresql")
def _baseline_end_postgresql(element: BaselineEnd, compiler: SQLCompiler, **kw: Any) -> str:
    joined = compiler.process(element.clauses.clauses[0], **kw)
    return f"(CAST({joined} AT TIME ZONE 'UTC' AS DATE) + {BASELINE_DAYS:d})"


class _Repeat(FunctionElement[str]):
    """`text` repeated `count` times (SQLite has no repeat())."""

    type = String()
    inherit_cache = True
    name = "repeat_text"


@compiles(_Repeat, "sqlite")
def _repeat_sqlite(element: _Repeat, compiler: SQLCompiler, **kw: Any) -> str:
    text, count = (compiler.process(clause, **kw) for clause in element.clauses)
    # zeroblob(n) is n zero bytes; hex() spells each as "00"; each "00" becomes `text`.
    return f"replace(hex(zeroblob({count})), '00', {text})"


@compiles(_Repeat, "postgresql")
def _repeat_postgresql(element: _Repeat, compiler: SQLCompiler, **kw: Any) -> str:
    text, count = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"repeat({text}, CAST({count} AS INTEGER))"


# ---------------------------------------------------------------------------------------------
# Packing, in SQL


# Constants are written into the SQL rather than bound: the packing has over a hundred of
# them, and binding each one again on every answer written would cost more than the query.
def _text(value: str) -> ColumnElement[str]:
    """A constant string in the SQL (only ever N1's own constants)."""
    return literal_column("'" + value.replace("'", "''") + "'", String)


def _number(value: int) -> ColumnElement[int]:
    """A constant whole number in the SQL."""
    return literal_column(str(int(value)), Integer)


def _segment() -> ColumnElement[str | None]:
    """One item's segment, over a GROUP BY that includes the item (NULL: no values).

    The values come out in ascending order without sorting: for each possible value, in
    order, its character repeated as many times as it was given.
    """
    code = case(
        *((AnswerRow.item == _text(item), _text(code)) for item, code in ITEM_CODES.items()),
        else_=AnswerRow.item + _text(_SPELT),
    )
    packed: ColumnElement[str] = code
    for value in range(MIN_VALUE, MAX_VALUE + 1):
        given = func.sum(case((AnswerRow.value == _number(value), _number(1)), else_=_number(0)))
        packed = packed + _Repeat(_text(chr(_ZERO + value)), given)
    return case((func.count(AnswerRow.value) > _number(0), packed))


def _digests(
    period: str,
    first_day: ColumnElement[date],
    condition: ColumnElement[bool],
    *,
    with_people: bool,
) -> Select[Any]:
    """(patient_id, period, first_day, days, answers) for each person's periods in the rows
    of `condition` (over check-ins, their answers and, `with_people`, the people), one
    period per person and `first_day`."""
    joined = CheckInRow.__table__.join(AnswerRow.__table__, AnswerRow.check_in_id == CheckInRow.id)
    if with_people:
        joined = joined.join(PatientRow.__table__, PatientRow.id == CheckInRow.patient_id)
    items = (
        select(
            CheckInRow.patient_id.label("patient_id"),
            first_day.label("first_day"),
            _segment().label("segment"),
        )
        .select_from(joined)
        .where(condition)
        .group_by(CheckInRow.patient_id, first_day, AnswerRow.item)
        .subquery("items")
    )
    days = (
        select(
            CheckInRow.patient_id.label("patient_id"),
            first_day.label("first_day"),
            func.count(distinct(CheckInRow.local_date)).label("days"),
        )
        .select_from(joined)
        .where(condition)
        .group_by(CheckInRow.patient_id, first_day)
        .subquery("days")
    )
    return (
        select(
            days.c.patient_id,
            _text(period),
            days.c.first_day,
            days.c.days,
            func.coalesce(func.aggregate_strings(items.c.segment, _SEGMENTS), _text("")),
        )
        .select_from(
            days.join(
                items,
                and_(
                    items.c.patient_id == days.c.patient_id,
                    items.c.first_day == days.c.first_day,
                ),
            )
        )
        .group_by(days.c.patient_id, days.c.first_day, days.c.days)
    )


def _week_digests(condition: ColumnElement[bool]) -> Select[Any]:
    return _digests(WEEK, WeekStart(CheckInRow.local_date), condition, with_people=False)


def _baseline_digests(condition: ColumnElement[bool]) -> Select[Any]:
    in_baseline = CheckInRow.local_date < BaselineEnd(PatientRow.created_at)
    return _digests(
        BASELINE, JoinedOn(PatientRow.created_at), and_(in_baseline, condition), with_people=True
    )


_COLUMNS: Final = ["patient_id", "period", "first_day", "days", "answers"]


# The person's row, locked for the rest of the transaction (PostgreSQL only; see below).
_LOCK_PERSON: Final = (
    select(PatientRow.id)
    .where(PatientRow.id == bindparam("patient_id", type_=BigInteger()))
    .with_for_update(key_share=True)
)


async def lock_person(session: AsyncSession, patient_id: int) -> None:
    """Before writing one of this person's answers: wait for any other write of theirs.

    PostgreSQL only (see the module docstring); FOR NO KEY UPDATE does not hold up rows
    that merely refer to the person.
    """
    if session.get_bind().dialect.name == "postgresql":
        # On the connection (the session's transaction): no ORM set-up for a row lock.
        connection = await session.connection()
        await connection.execute(_LOCK_PERSON, {"patient_id": patient_id})


@cache
def _refresh_statement(dialect: str) -> Upsert:
    """The statement behind `refresh_for_answer`, built once per dialect (building it takes
    longer than running it: dozens of expressions per item segment)."""
    person = bindparam("patient_id", type_=BigInteger())
    monday = bindparam("week_start", type_=Date())
    sunday = bindparam("week_end", type_=Date())
    day = bindparam("local_date", type_=Date())
    weeks = _week_digests(
        and_(CheckInRow.patient_id == person, CheckInRow.local_date.between(monday, sunday))
    )
    baseline = _baseline_digests(
        and_(PatientRow.id == person, day < BaselineEnd(PatientRow.created_at))
    )
    # On the table itself: a Core statement takes its parameters per execution (an ORM one
    # would read them as rows to insert).
    insert = insert_on_conflict(dialect, cast(Table, AnswerDigestRow.__table__))
    insert = insert.from_select(_COLUMNS, union_all(weeks, baseline))
    return insert.on_conflict_do_update(
        index_elements=["patient_id", "period", "first_day"],
        set_={"days": insert.excluded.days, "answers": insert.excluded.answers},
    )


async def refresh_for_answer(session: AsyncSession, patient_id: int, local_date: date) -> None:
    """After writing an answer of this person's dated `local_date`: recompute its week's
    digest and, if the day is in their baseline, the baseline's (one statement)."""
    monday = date.fromordinal(local_date.toordinal() - local_date.weekday())
    # On the connection, inside the session's transaction: the statement reads ORM columns,
    # so `session.execute` would take the ORM's bulk-DML path and its set-up on every answer.
    connection = await session.connection()
    # Nothing reads the outcome: on SQLite it goes with the transaction's next statement.
    await execute_behind(
        connection,
        _refresh_statement(connection.dialect.name),
        {
            "patient_id": patient_id,
            "local_date": local_date,
            "week_start": monday,
            "week_end": date.fromordinal(monday.toordinal() + WEEK_DAYS - 1),
        },
    )


async def rebuild(session: AsyncSession, patient_ids: Collection[int] | None = None) -> None:
    """Recompute everyone's digests (or these people's) from their answers, set-based.

    For answers written without `CheckInRepository.record_answer` (bulk loads, tests).
    """
    if patient_ids is None:
        await session.execute(delete(AnswerDigestRow))
        await _insert_all(session, CheckInRow.patient_id.is_not(None))
        return
    ordered = sorted(set(patient_ids))
    for start in range(0, len(ordered), _REBUILD_CHUNK):
        chunk = ordered[start : start + _REBUILD_CHUNK]
        await session.execute(delete(AnswerDigestRow).where(AnswerDigestRow.patient_id.in_(chunk)))
        await _insert_all(session, CheckInRow.patient_id.in_(chunk))


async def _insert_all(session: AsyncSession, condition: ColumnElement[bool]) -> None:
    rows = union_all(_week_digests(condition), _baseline_digests(condition))
    await session.execute(upsert(session, AnswerDigestRow).from_select(_COLUMNS, rows))


# ---------------------------------------------------------------------------------------------
# Unpacking, in Python

_NAMES: Final = {code: item for item, code in ITEM_CODES.items()}


class _SegmentCache(dict[str, tuple[str, tuple[int, ...]]]):
    """Segment -> (item, values). Values are sorted, so segments repeat a lot: each is
    parsed once, and a digest unpacks with C-level dict and str operations only."""

    def __missing__(self, segment: str) -> tuple[str, tuple[int, ...]]:
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        name, spelt, values = segment.rpartition(_SPELT)
        if not spelt:
            name, values = _NAMES[segment[0]], segment[1:]
        found = self[segment] = (name, tuple(ord(char) - _ZERO for char in values))
        return found


# A few thousand segments cover almost everyone; the limit only bounds memory.
_CACHE_LIMIT: Final = 100_000
_CACHE: Final = _SegmentCache()
_parse = _CACHE.__getitem__


def unpack(answers: str) -> dict[str, tuple[int, ...]]:
    """A digest's `answers` as item -> values (ascending)."""
    if not answers:
        return {}
    return dict(map(_parse, answers.split(_SEGMENTS)))


def pack(values: Mapping[str, Sequence[int]]) -> str:
    """The `answers` text for item -> values (the reverse of `unpack`; for tests and tools)."""
    segments = []
    for item, given in values.items():
        if not given:
            continue
        for value in given:
            check_value(value)
        code = ITEM_CODES.get(item, item + _SPELT)
        segments.append(code + "".join(chr(_ZERO + value) for value in sorted(given)))
    return _SEGMENTS.join(segments)


async def readable(session: AsyncSession, patient_id: int) -> list[dict[str, Any]]:
    """One person's digests as plain values, for /export."""
    rows = await session.execute(
        select(
            AnswerDigestRow.period,
            AnswerDigestRow.first_day,
            AnswerDigestRow.days,
            AnswerDigestRow.answers,
        )
        .where(AnswerDigestRow.patient_id == patient_id)
        .order_by(AnswerDigestRow.period.desc(), AnswerDigestRow.first_day)
    )
    return [
        {
            "period": period,
            "first_day": first_day,
            "days": days,
            "answers": {item: list(values) for item, values in unpack(answers).items()},
        }
        for period, first_day, days, answers in rows
    ]
