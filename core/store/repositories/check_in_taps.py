"""Reading what a tap on a check-in button needs, in one statement.

A tap is the most frequent thing N1 handles, and on SQLite every statement is a round trip
to the database thread inside the single write lock: the person, the check-in the button
names, its answers so far and the person's consent come back together.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import RowMapping, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CheckIn, CheckInStatus, Consent, Patient, PatientStatus
from core.store.tables import AnswerRow, CheckInRow, ConsentRow, PatientRow

_PATIENT, _CHECK_IN, _CONSENT = "p_", "c_", "k_"


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


def _labelled(model: type[Any], prefix: str) -> list[Any]:
    return [column.label(f"{prefix}{column.name}") for column in model.__table__.c]


def _part(row: RowMapping, model: type[Any], prefix: str) -> dict[str, Any]:
    return {column.name: row[f"{prefix}{column.name}"] for column in model.__table__.c}


@cache
def _statement() -> Select[Any]:
    """The query, built once: building it (some fifty labelled columns) costs more CPU than
    running it, and a tap is the most frequent thing N1 does."""
    inner = ConsentRow.__table__.alias("latest_consent")
    latest_consent = (
        select(inner.c.id)
        .where(inner.c.patient_id == PatientRow.id, inner.c.kind == bindparam("consent_kind"))
        .order_by(inner.c.decided_at.desc(), inner.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            *_labelled(PatientRow, _PATIENT),
            *_labelled(CheckInRow, _CHECK_IN),
            *_labelled(ConsentRow, _CONSENT),
            AnswerRow.item.label("answer_item"),
            AnswerRow.value.label("answer_value"),
        )
        .select_from(PatientRow)
        .outerjoin(
            CheckInRow,
            and_(
                CheckInRow.id == bindparam("check_in_id"),
                CheckInRow.patient_id == PatientRow.id,
            ),
        )
        .outerjoin(ConsentRow, ConsentRow.id == latest_consent)
        .outerjoin(AnswerRow, AnswerRow.check_in_id == CheckInRow.id)
        .where(PatientRow.telegram_user_id == bindparam("telegram_user_id"))
        .order_by(AnswerRow.id)
    )


async def read_tap(
    session: AsyncSession, *, telegram_user_id: int, check_in_id: int, consent_kind: str
) -> TapContext | None:
    """Everything a check-in tap needs, in one query; None if the user is not a patient.

    One row per answer (or one row when there are none), the person, check-in and consent
    repeated on each: a check-in has a handful of items, so that is cheaper than four
    round trips.
    """
    parameters = {
        "telegram_user_id": telegram_user_id,
        "check_in_id": check_in_id,
        "consent_kind": consent_kind,
    }
    statement = _statement()
    rows = (await session.execute(statement, parameters)).mappings().all()
    if not rows:
        return None
    first = rows[0]
    patient = _part(first, PatientRow, _PATIENT)
    patient["status"] = PatientStatus(patient["status"])
    check_in: CheckIn | None = None
    if first[f"{_CHECK_IN}id"] is not None:
        fields = _part(first, CheckInRow, _CHECK_IN)
        fields["status"] = CheckInStatus(fields["status"])
        fields["items"] = tuple(fields["items"])
        check_in = CheckIn(**fields)
    consent = (
        Consent(**_part(first, ConsentRow, _CONSENT))
        if first[f"{_CONSENT}id"] is not None
        else None
    )
    answers = {
        row["answer_item"]: row["answer_value"] for row in rows if row["answer_item"] is not None
    }
    return TapContext(Patient(**patient), check_in, consent, answers)
