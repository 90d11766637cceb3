"""Everything one person has given N1, read for /export (a few set-based queries), their
own words decrypted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.store.repositories._common import cipher_of
from core.store.tables import (
    ActivityRow,
    AnswerRow,
    CheckInRow,
    ConsentRow,
    PatientRow,
    SafetyEventRow,
    WeeklySummaryRow,
)

_PREFERENCES = (
    "time_zone",
    "checkin_days",
    "checkin_time",
    "summary_weekday",
    "summary_time",
    "quiet_start",
    "quiet_end",
    "ask_about_pain",
    "status",
    "created_at",
)


class ExportRepository:
    """Reads one person's data as plain values; never writes."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def everything(self, patient_id: int) -> dict[str, Any]:
        """Preferences, consents, activities, check-ins with their answers and notes, and
        weekly summaries with what they would like more of next, and the safety signposts
        given."""
        preferences = (
            (
                await self._session.execute(
                    select(*(getattr(PatientRow, name) for name in _PREFERENCES)).where(
                        PatientRow.id == patient_id
                    )
                )
            )
            .mappings()
            .one()
        )
        consents = await self._session.execute(
            select(ConsentRow.kind, ConsentRow.version, ConsentRow.granted)
            .add_columns(ConsentRow.decided_at, ConsentRow.withdrawn_at)
            .where(ConsentRow.patient_id == patient_id)
            .order_by(ConsentRow.id)
        )
        activities = await self._session.execute(
            select(ActivityRow.position, ActivityRow.label)
            .where(ActivityRow.patient_id == patient_id)
            .order_by(ActivityRow.position)
        )
        check_ins = await self._session.execute(
            select(CheckInRow.id, CheckInRow.local_date, CheckInRow.slot, CheckInRow.note)
            .add_columns(CheckInRow.sent_at, CheckInRow.status)
            .where(CheckInRow.patient_id == patient_id)
            .order_by(CheckInRow.local_date, CheckInRow.id)
        )
        answers = await self._session.execute(
            select(AnswerRow.check_in_id, AnswerRow.item, AnswerRow.value)
            .add_columns(AnswerRow.answered_at, AnswerRow.changed_at)
            .where(AnswerRow.patient_id == patient_id)
            .order_by(AnswerRow.check_in_id, AnswerRow.id)
        )
        summaries = await self._session.execute(
            select(WeeklySummaryRow.week_start, WeeklySummaryRow.text)
            .add_columns(WeeklySummaryRow.next_focus, WeeklySummaryRow.created_at)
            .where(WeeklySummaryRow.patient_id == patient_id)
            .order_by(WeeklySummaryRow.week_start)
        )
        cipher = cipher_of(self._session)
        safety_events = await self._session.execute(
            select(SafetyEventRow.category, SafetyEventRow.created_at)
            .where(SafetyEventRow.patient_id == patient_id)
            .order_by(SafetyEventRow.created_at, SafetyEventRow.id)
        )
        by_check_in: dict[int, list[dict[str, Any]]] = {}
        for row in answers.mappings():
            by_check_in.setdefault(row["check_in_id"], []).append(
                {key: row[key] for key in ("item", "value", "answered_at", "changed_at")}
            )
        return {
            "preferences": dict(preferences),
            "consents": [dict(row) for row in consents.mappings()],
            "activities": [
                {**dict(row), "label": cipher.decrypt(row["label"])}
                for row in activities.mappings()
            ],
            "check_ins": [
                {
                    **dict(row),
                    "note": cipher.decrypt_optional(row["note"]),
                    "answers": by_check_in.get(row["id"], []),
                }
                for row in check_ins.mappings()
            ],
            "weekly_summaries": [
                {
                    **dict(row),
                    "text": cipher.decrypt(row["text"]),
                    "next_focus": cipher.decrypt_optional(row["next_focus"]),
                }
                for row in summaries.mappings()
            ],
            # Which signposts were given and when (the text that led to them is never kept).
            "safety_events": [dict(row) for row in safety_events.mappings()],
        }
