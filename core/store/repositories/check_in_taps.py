"""Reading and writing what a tap on a check-in button needs, in few, prebuilt statements.

A tap is the most frequent thing N1 handles, and on SQLite every statement is a round trip
to the database thread inside the single write lock: the person, the check-in the button
names, its answers so far and the person's consent come back together (`read_tap`), and the
answer is written with one upsert (`write_answer`).

Both statements are built once, on the tables (SQLAlchemy Core), and run on the session's
connection, inside the caller's transaction: building them, and the ORM's per-execution
row handling, cost more CPU than the database spends running them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, Final, cast

from sqlalchemy import BigInteger, Integer, Select, String, Table, and_, bindparam, case, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CheckIn, CheckInStatus, Consent, Patient, PatientStatus
from core.store.repositories import answer_digests
from core.store.repositories._common import insert_on_conflict
from core.store.sqlite_driver import execute_behind
from core.store.tables import AnswerRow, CheckInRow, ConsentRow, PatientRow, UTCDateTime

if TYPE_CHECKING:
    from core.store.repositories._common import Upsert

_PATIENTS = cast(Table, PatientRow.__table__)
_CHECK_INS = cast(Table, CheckInRow.__table__)
_CONSENTS = cast(Table, ConsentRow.__table__)
_ANSWERS = cast(Table, AnswerRow.__table__)
# Column names of each part of `read_tap`'s rows, in the order selected.
_PATIENT_NAMES: Final = tuple(column.name for column in _PATIENTS.c)
_CHECK_IN_NAMES: Final = tuple(column.name for column in _CHECK_INS.c)
_CONSENT_NAMES: Final = tuple(column.name for column in _CONSENTS.c)
# Where each part starts in a row: the person, the check-in, the consent, then the answer.
_CHECK_IN_AT: Final = len(_PATIENT_NAMES)
_CONSENT_AT: Final = _CHECK_IN_AT + len(_CHECK_IN_NAMES)
_ANSWER_AT: Final = _CONSENT_AT + len(_CONSENT_NAMES)
_CHECK_IN_ID_AT: Final = _CHECK_IN_AT + _CHECK_IN_NAMES.index("id")
_CONSENT_ID_AT: Final = _CONSENT_AT + _CONSENT_NAMES.index("id")


@dataclass(frozen=True, slots=True)
class TapContext:
    """The person who tapped, the check-in their button names, its answers, their consent."""

    patient: Patient
    # None when there is no such check-in or it is someone else's.
    check_in: CheckIn | None
    # Their latest decision of the kind asked for; None if they never made one.
    consent: Consent | None
    # Item -> value (None = skipped), in the order first given.
    answers: dict[str, int | None]


def _labelled(table: Table, prefix: str) -> list[Any]:
    # Labels keep same-named columns of the three tables apart in the statement.
    return [column.label(f"{prefix}{column.name}") for column in table.c]


@cache
def _statement() -> Select[Any]:
    """The query, built once: building it (some fifty labelled columns) costs more CPU than
    running it, and a tap is the most frequent thing N1 does."""
    patients, check_ins, consents, answers = _PATIENTS.c, _CHECK_INS.c, _CONSENTS.c, _ANSWERS.c
    inner = _CONSENTS.alias("latest_consent")
    latest_consent = (
        select(inner.c.id)
        .where(
            inner.c.patient_id == patients.id,
            inner.c.kind == bindparam("consent_kind", type_=String()),
        )
        .order_by(inner.c.decided_at.desc(), inner.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            *_labelled(_PATIENTS, "p_"),
            *_labelled(_CHECK_INS, "c_"),
            *_labelled(_CONSENTS, "k_"),
            answers.item.label("answer_item"),
            answers.value.label("answer_value"),
        )
        .select_from(_PATIENTS)
        .outerjoin(
            _CHECK_INS,
            and_(
                check_ins.id == bindparam("check_in_id", type_=BigInteger()),
                check_ins.patient_id == patients.id,
            ),
        )
        .outerjoin(_CONSENTS, consents.id == latest_consent)
        .outerjoin(_ANSWERS, answers.check_in_id == check_ins.id)
        .where(patients.telegram_user_id == bindparam("telegram_user_id", type_=BigInteger()))
        .order_by(answers.id)
        # PostgreSQL: the person's row is locked as it is read, as `lock_person` would lock
        # it before an answer is written, so `write_answer` needs no statement of its own
        # for that, and the answers read here cannot change before this transaction ends.
        # SQLite has no row locks (BEGIN IMMEDIATE already holds its one write lock).
        .with_for_update(of=_PATIENTS, key_share=True)
    )


async def read_tap(
    session: AsyncSession, *, telegram_user_id: int, check_in_id: int, consent_kind: str
) -> TapContext | None:
    """Everything a check-in tap needs, in one query; None if the user is not a patient.

    One row per answer (or one row when there are none), the person, check-in and consent
    repeated on each: a check-in has a handful of items, so that is cheaper than four
    round trips. On PostgreSQL the person's row stays locked until the caller's transaction
    ends.
    """
    parameters = {
        "telegram_user_id": telegram_user_id,
        "check_in_id": check_in_id,
        "consent_kind": consent_kind,
    }
    # On the connection (still the session's transaction): Core keeps the rows' processing
    # with the compiled statement, where the ORM would set it up again for every tap.
    connection = await session.connection()
    rows = (await connection.execute(_statement(), parameters)).all()
    if not rows:
        return None
    first = rows[0]
    patient = dict(zip(_PATIENT_NAMES, first[:_CHECK_IN_AT], strict=True))
    patient["status"] = PatientStatus(patient["status"])
    check_in: CheckIn | None = None
    if first[_CHECK_IN_ID_AT] is not None:
        fields = dict(zip(_CHECK_IN_NAMES, first[_CHECK_IN_AT:_CONSENT_AT], strict=True))
        fields["status"] = CheckInStatus(fields["status"])
        fields["items"] = tuple(fields["items"])
        check_in = CheckIn(**fields)
    consent = (
        Consent(**dict(zip(_CONSENT_NAMES, first[_CONSENT_AT:_ANSWER_AT], strict=True)))
        if first[_CONSENT_ID_AT] is not None
        else None
    )
    answers = {row[_ANSWER_AT]: row[_ANSWER_AT + 1] for row in rows if row[_ANSWER_AT] is not None}
    return TapContext(Patient(**patient), check_in, consent, answers)


@cache
def answer_upsert(dialect: str) -> Upsert:
    """The upsert that stores an answer, built once per dialect, on the table.

    Parameters: check_in_id, patient_id, item, value (None = skipped) and now. A later tap
    replaces the value; `changed_at` is set only when the value really changes, so a
    repeated identical tap is not a change. One statement, so two taps racing each other
    still leave one row, holding the value of whichever came last.
    """
    now = bindparam("now", type_=UTCDateTime())
    insert = insert_on_conflict(dialect, _ANSWERS).values(
        check_in_id=bindparam("check_in_id", type_=BigInteger()),
        patient_id=bindparam("patient_id", type_=BigInteger()),
        item=bindparam("item", type_=String()),
        value=bindparam("value", type_=Integer()),
        answered_at=now,
    )
    answers = _ANSWERS.c
    changed = answers.value.is_distinct_from(insert.excluded.value)
    return insert.on_conflict_do_update(
        index_elements=["check_in_id", "item"],
        set_={
            "value": insert.excluded.value,
            "changed_at": case((changed, now), else_=answers.changed_at),
        },
    )


async def write_answer(
    session: AsyncSession, check_in: CheckIn, *, item: str, value: int | None, now: datetime
) -> None:
    """Store a tapped answer to `item` (None = skipped), as `CheckInRepository.record_answer`
    does, but prebuilt: one upsert whose later tap replaces the value (`changed_at` set only
    when it really changes), then the person's answer digest recomputed.

    Only after `read_tap` read this check-in in the caller's transaction: that read took the
    person's row lock the digest needs on PostgreSQL (`answer_digests.lock_person`).
    """
    answer_digests.check_value(value)
    connection = await session.connection()
    # Nothing reads the outcome: on SQLite it goes with the digest's refresh and the commit.
    await execute_behind(
        connection,
        answer_upsert(connection.dialect.name),
        {
            "check_in_id": check_in.id,
            "patient_id": check_in.patient_id,
            "item": item,
            "value": value,
            "now": now,
        },
    )
    await answer_digests.refresh_for_answer(session, check_in.patient_id, check_in.local_date)
