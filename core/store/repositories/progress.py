"""What the weekly progress analysis needs, fetched for many people at once.

Set-based, never one query per person (scale.md B7): `week_answers` reads the week, the week
three weeks earlier and the baseline of every person asked for in **one** statement, however
many people that is; `daily_answers` (the chart), `activity_labels` and `joined_dates` are one
statement each.

How `week_answers` stays fast at 100,000 people: it reads **answer digests**
(`core.store.repositories.answer_digests`), kept when each answer is written: one row per
person and calendar week, and one for their baseline, with the values packed per item. For a
week ending on a Sunday (the default summary day), this week and the week three weeks before
are calendar weeks, so the statement looks up 3 small rows per person (joined onto one row,
packed into one string), and unpacking is a few dict and str operations in C per person.

A week ending on another day cuts across two calendar weeks, which a digest cannot split:
it is read from the answers themselves, still in one statement. There the database streams
the answers in each person's window through a GROUP BY on the person (in the order of the
check-ins' index, so SQLite needs no sort), and hands back **one row per person** with their
answers packed as small integers in one comma-separated string (`aggregate_strings`:
`group_concat` on SQLite, `string_agg` on PostgreSQL). One row per answer instead (millions
of them) costs more in row handling than the whole query. `_code` documents the layout and
`_decode` reverses it. Whether a day of this week or of three weeks ago also lies in the
person's baseline is worked out in Python from the day and the date they joined, so the
database evaluates date arithmetic only for the answers that are in the window because of
the baseline alone.
Nothing here reads a person's name or notes, and nothing is logged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any, Final, TypeAlias

from sqlalchemy import ColumnElement, Row, Select, String, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.progress import (
    ITEMS,
    WEEK_DAYS,
    DayAnswer,
    WeekAnswers,
    baseline_end,
    make_week_answers,
    week_answers_from_days,
    week_window,
    weeks_ago_window,
)
from core.store.repositories.answer_digests import (
    BASELINE,
    WEEK,
    BaselineEnd,
    JoinedOn,
    unpack,
)
from core.store.tables import AnswerDigestRow, AnswerRow, CheckInRow, PatientRow

# Code layout: code = (item * 16 + value) * 16 + day, where
#   item  is the index in `core.progress.ITEMS` (15: an item the analysis does not read),
#   value is the answer 0-10 (15: skipped),
#   day   is 0-6 for the days of this week, 8-14 for the days of the week three weeks
#         before, and 15 for a day that is in the window only as part of the baseline.
_FIELD: Final = 16
_UNKNOWN_ITEM: Final = 15
_SKIPPED: Final = 15
_WEEKS_AGO_DAY: Final = 8
_BASELINE_ONLY: Final = 15
_SEPARATOR: Final = ","


def _day_of(start: date, first_code: int) -> ColumnElement[int]:
    """`first_code` + the day's offset from `start`, for the 7 days from `start`."""
    return case(
        {start + timedelta(days=offset): first_code + offset for offset in range(WEEK_DAYS)},
        value=CheckInRow.local_date,
    )


def _code(week_end: date) -> tuple[ColumnElement[int], ColumnElement[bool]]:
    """The per-answer code (layout above), and the condition for an answer to be needed."""
    this_start, this_end = week_window(week_end)
    then_start, then_end = weeks_ago_window(week_end)
    local_date = CheckInRow.local_date
    in_this_week = local_date.between(this_start, this_end)
    in_weeks_ago = local_date.between(then_start, then_end)
    # Evaluated only for answers outside both weeks (OR stops at the first true term).
    in_baseline = local_date < BaselineEnd(PatientRow.created_at)

    item = case(
        {name: index for index, name in enumerate(ITEMS)},
        value=AnswerRow.item,
        else_=_UNKNOWN_ITEM,
    )
    value = func.coalesce(AnswerRow.value, _SKIPPED)
    # A range test first, so most answers are compared with at most 7 dates, not 14.
    day = case(
        (in_this_week, _day_of(this_start, 0)),
        (in_weeks_ago, _day_of(then_start, _WEEKS_AGO_DAY)),
        else_=_BASELINE_ONLY,
    )
    code = (item * _FIELD + value) * _FIELD + day
    return code, or_(in_this_week, in_weeks_ago, in_baseline)


@cache
def _code_table() -> dict[str, tuple[str | None, int | None, int]]:
    """Every possible code, as text, -> (item or None, value or None if skipped, day)."""
    table: dict[str, tuple[str | None, int | None, int]] = {}
    for index in range(_FIELD):
        item = ITEMS[index] if index < len(ITEMS) else None
        for value in range(_FIELD):
            for day in range(_FIELD):
                code = (index * _FIELD + value) * _FIELD + day
                table[str(code)] = (item, None if value == _SKIPPED else value, day)
    return table


def _decode(patient_id: int, joined: datetime, codes: str, week_end: date) -> WeekAnswers:
    """One person's `WeekAnswers` from their packed codes (see `_code`)."""
    table = _code_table()
    this_start, _ = week_window(week_end)
    then_start, _ = weeks_ago_window(week_end)
    joined_on = joined.date()
    # Day numbers count from this week's first day; the baseline ends before `base_limit`.
    base_limit = (baseline_end(joined_on) - this_start).days
    then_shift = (then_start - this_start).days - _WEEKS_AGO_DAY
    this_week: dict[str, list[int]] = {}
    weeks_ago: dict[str, list[int]] = {}
    baseline: dict[str, list[int]] = {}
    days = 0
    for token in codes.split(_SEPARATOR):
        item, value, day = table[token]
        if day < WEEK_DAYS:
            # Any answer, a skip too, makes it a day with a check-in.
            days |= 1 << day
            if item is None or value is None:
                continue
            this_week.setdefault(item, []).append(value)
            in_baseline = day < base_limit
        elif item is None or value is None:
            continue
        elif day < _BASELINE_ONLY:
            weeks_ago.setdefault(item, []).append(value)
            in_baseline = day + then_shift < base_limit
        else:
            in_baseline = True
        if in_baseline:
            baseline.setdefault(item, []).append(value)
    return WeekAnswers(
        patient_id=patient_id,
        week_end=week_end,
        baseline_start=joined_on,
        this_week=this_week,
        weeks_ago=weeks_ago,
        baseline=baseline,
        days=days.bit_count(),
    )


def _week_statement(
    week_end: date, patient_ids: Sequence[int] | None
) -> Select[int, datetime, str]:
    """The one statement behind `week_answers`: a row per person, answers packed."""
    code, in_window = _code(week_end)
    statement = (
        select(
            CheckInRow.patient_id,
            # One value per person; an aggregate so PostgreSQL accepts it ungrouped.
            func.max(PatientRow.created_at),
            func.aggregate_strings(cast(code, String), _SEPARATOR),
        )
        .select_from(CheckInRow)
        .join(AnswerRow, AnswerRow.check_in_id == CheckInRow.id)
        .join(PatientRow, PatientRow.id == CheckInRow.patient_id)
        .where(in_window)
        # Grouped on the check-ins' column: SQLite then walks their (patient, date) index
        # in order and aggregates as it goes, without sorting millions of rows first.
        .group_by(CheckInRow.patient_id)
    )
    if patient_ids is not None:
        statement = statement.where(CheckInRow.patient_id.in_(patient_ids))
    return statement


_AnyRow: TypeAlias = Row[*tuple[Any, ...]]
_AnySelect: TypeAlias = Select[*tuple[Any, ...]]

# A week ending on this weekday (Sunday) is a calendar week: it is read from the digests.
_DIGEST_WEEKDAY: Final = 6
_PERIODS: Final = "|"


def _digest_statement(
    week_end: date, patient_ids: Sequence[int] | None
) -> Select[int, date, int | None, str]:
    """The one statement behind `week_answers` for a calendar week: a row per person with
    (id, the date they joined, days this week, this week|three weeks before|baseline)."""
    this_start, _ = week_window(week_end)
    then_start, _ = weeks_ago_window(week_end)
    joined = JoinedOn(PatientRow.created_at)
    this_week = aliased(AnswerDigestRow, name="this_week")
    weeks_ago = aliased(AnswerDigestRow, name="weeks_ago")
    baseline = aliased(AnswerDigestRow, name="baseline")

    def week_of(digest: type[AnswerDigestRow], first_day: date) -> ColumnElement[bool]:
        return and_(
            digest.patient_id == PatientRow.id,
            digest.period == WEEK,
            digest.first_day == first_day,
        )

    packed = (
        func.coalesce(this_week.answers, "")
        + _PERIODS
        + func.coalesce(weeks_ago.answers, "")
        + _PERIODS
        + func.coalesce(baseline.answers, "")
    )
    statement = (
        select(PatientRow.id, joined, this_week.days, packed)
        .select_from(PatientRow)
        # Three primary-key lookups per person; the person's row drives them.
        .outerjoin(this_week, week_of(this_week, this_start))
        .outerjoin(weeks_ago, week_of(weeks_ago, then_start))
        .outerjoin(
            baseline,
            and_(
                baseline.patient_id == PatientRow.id,
                baseline.period == BASELINE,
                baseline.first_day == joined,
            ),
        )
        # Everyone with an answer in their window, as when reading the answers themselves.
        .where(
            or_(
                this_week.patient_id.is_not(None),
                weeks_ago.patient_id.is_not(None),
                baseline.patient_id.is_not(None),
            )
        )
    )
    if patient_ids is not None:
        statement = statement.where(PatientRow.id.in_(patient_ids))
    return statement


def _from_digests(row: _AnyRow, week_end: date) -> WeekAnswers:
    """One person's `WeekAnswers` from a row of `_digest_statement`."""
    patient_id, joined, days, packed = row
    this_week, weeks_ago, baseline = packed.split(_PERIODS)
    return make_week_answers(
        patient_id=patient_id,
        week_end=week_end,
        baseline_start=joined,
        this_week=unpack(this_week),
        weeks_ago=unpack(weeks_ago),
        baseline=unpack(baseline),
        days=days or 0,
    )


def _from_answers(row: _AnyRow, week_end: date) -> WeekAnswers:
    """One person's `WeekAnswers` from a row of `_week_statement`."""
    patient_id, joined, codes = row
    return _decode(patient_id, joined, codes, week_end)


def week_reading(
    week_end: date, patient_ids: Sequence[int] | None = None
) -> tuple[_AnySelect, Callable[[_AnyRow, date], WeekAnswers]]:
    """The one statement `week_answers` runs for the week ending `week_end`, and how each of
    its rows becomes a `WeekAnswers` (public so that a benchmark can time the two apart)."""
    if week_end.weekday() == _DIGEST_WEEKDAY:
        return _digest_statement(week_end, patient_ids), _from_digests
    return _week_statement(week_end, patient_ids), _from_answers


class ProgressRepository:
    """Reads answers for the weekly progress and the chart; never writes, never commits."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def week_answers(
        self, week_end: date, patient_ids: Sequence[int] | None = None
    ) -> dict[int, WeekAnswers]:
        """Everyone's (or `patient_ids`') answers for the week ending `week_end`, in one query.

        People with no answer in their window are left out; a caller that needs them builds
        an empty `WeekAnswers` (there is nothing to compare). `patient_ids` goes into one
        IN list: keep batches to a few thousand ids (SQLite allows 32,766 parameters).
        """
        if patient_ids is not None and not patient_ids:
            return {}
        statement, week_of = week_reading(week_end, patient_ids)
        weeks = (week_of(row, week_end) for row in await self._session.execute(statement))
        return {week.patient_id: week for week in weeks}

    async def stream_week_answers(
        self, week_end: date, patient_ids: Sequence[int] | None = None, *, chunk: int = 2000
    ) -> AsyncIterator[WeekAnswers]:
        """`week_answers` one person at a time, from the same single statement.

        For everyone at once (the benchmark, a report): rows are fetched `chunk` at a time
        and decoded as they come, so memory stays flat however many people there are.
        """
        if patient_ids is not None and not patient_ids:
            return
        statement, week_of = week_reading(week_end, patient_ids)
        result = await self._session.stream(statement)
        async for rows in result.partitions(chunk):
            for row in rows:
                yield week_of(row, week_end)

    async def week_answers_for(self, patient_id: int, week_end: date) -> WeekAnswers | None:
        """One person's answers for the week ending `week_end` (None: none in the window)."""
        found = await self.week_answers(week_end, [patient_id])
        return found.get(patient_id)

    async def daily_answers(
        self, patient_ids: Sequence[int], first: date, last: date
    ) -> dict[int, list[DayAnswer]]:
        """Every answer given from `first` to `last` (local dates) by these people, one query.

        Skipped items are left out. Used for the chart, whose window is a few weeks.
        """
        if not patient_ids:
            return {}
        statement = (
            select(CheckInRow.patient_id, AnswerRow.item, CheckInRow.local_date, AnswerRow.value)
            .select_from(CheckInRow)
            .join(AnswerRow, AnswerRow.check_in_id == CheckInRow.id)
            .where(
                CheckInRow.patient_id.in_(patient_ids),
                and_(CheckInRow.local_date >= first, CheckInRow.local_date <= last),
                AnswerRow.value.is_not(None),
            )
        )
        found: dict[int, list[DayAnswer]] = {patient_id: [] for patient_id in patient_ids}
        for patient_id, item, local_date, value in await self._session.execute(statement):
            found[patient_id].append(DayAnswer(item, local_date, value))
        return found

    async def joined_dates(self, patient_ids: Sequence[int]) -> dict[int, date]:
        """The UTC date each person joined (the start of their baseline), in one query."""
        if not patient_ids:
            return {}
        statement = select(PatientRow.id, PatientRow.created_at).where(
            PatientRow.id.in_(patient_ids)
        )
        rows = await self._session.execute(statement)
        return {patient_id: created.date() for patient_id, created in rows}


def empty_week(patient_id: int, week_end: date, joined: date) -> WeekAnswers:
    """The `WeekAnswers` of someone with no answers in the window."""
    return week_answers_from_days(patient_id, week_end, joined, ())
