"""Patients: who uses N1 and their preferences."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Executable, Select, Update, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.checkin_items import EVERY_DAY
from core.conversation import Awaiting, format_awaiting
from core.domain import Patient, PatientStatus
from core.store import records
from core.store.repositories._common import columns, table_of
from core.store.tables import PatientRow

# Statements every tap and every typed message runs, and the dispatcher's, built once:
# building one (and its cache key) costs more than running it. On the table (Core), with
# bound parameters.


@cache
def _by_telegram_id() -> Select[Any]:
    patients = table_of(PatientRow)
    return select(*patients.c).where(patients.c.telegram_user_id == bindparam("telegram_user_id"))


@cache
def _seen() -> Update:
    patients = table_of(PatientRow)
    return (
        update(patients)
        .where(patients.c.telegram_user_id == bindparam("user"))
        .values(last_seen_at=bindparam("now"))
        .returning(*patients.c)
    )


@cache
def _touch_last_seen() -> Update:
    patients = table_of(PatientRow)
    return (
        update(patients)
        .where(patients.c.id == bindparam("patient_id"))
        .values(last_seen_at=bindparam("now"))
    )


@cache
def _many() -> Select[Any]:
    patients = table_of(PatientRow)
    return select(*patients.c).where(patients.c.id.in_(bindparam("patient_ids", expanding=True)))


_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d")


def _check_preferences(
    time_zone: str | None,
    checkin_days: int | None,
    summary_weekday: int | None,
    times: dict[str, str | None],
) -> None:
    """Refuse values the scheduler could not use, before they reach the database."""
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {time_zone!r}") from exc
    if checkin_days is not None and not 0 <= checkin_days <= EVERY_DAY:
        raise ValueError(f"checkin_days must be a bitmask 0..{EVERY_DAY}, got {checkin_days}")
    if summary_weekday is not None and not 0 <= summary_weekday <= 6:
        raise ValueError(f"summary_weekday must be 0..6, got {summary_weekday}")
    for name, value in times.items():
        if value is not None and not _HHMM.fullmatch(value):
            raise ValueError(f"{name} must be a local time like 09:00, got {value!r}")


class PatientRepository:
    """Reads and writes patients; never commits (the use-case owns the transaction)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, patient_id: int) -> Patient | None:
        """The patient with this id, if any."""
        return await self._one(select(*columns(PatientRow)).where(PatientRow.id == patient_id))

    async def many(self, patient_ids: Collection[int]) -> dict[int, Patient]:
        """The patients with these ids, in one query (missing ids are left out)."""
        if not patient_ids:
            return {}
        rows = await self._session.execute(_many(), {"patient_ids": sorted(patient_ids)})
        return {patient.id: patient for patient in map(records.patient, rows.mappings())}

    async def get_by_telegram_id(self, telegram_user_id: int) -> Patient | None:
        """The patient with this Telegram user id, if any."""
        rows = await self._session.execute(
            _by_telegram_id(), {"telegram_user_id": telegram_user_id}
        )
        row = rows.mappings().first()
        return None if row is None else records.patient(row)

    async def seen(self, telegram_user_id: int, now: datetime) -> Patient | None:
        """The patient with this Telegram user id, their last-seen time touched (one
        statement); None if they are not a patient."""
        rows = await self._session.execute(_seen(), {"user": telegram_user_id, "now": now})
        row = rows.mappings().first()
        return None if row is None else records.patient(row)

    async def add(
        self, *, telegram_user_id: int, chat_id: int, now: datetime, join_code: str | None = None
    ) -> Patient:
        """Create a patient (status onboarding, default preferences).

        Raises `sqlalchemy.exc.IntegrityError` if the Telegram user is already a patient
        (callers look them up first; two racing /starts retry, which then finds the row).
        """
        statement = (
            insert(PatientRow)
            .values(
                telegram_user_id=telegram_user_id,
                chat_id=chat_id,
                join_code=join_code,
                created_at=now,
                updated_at=now,
            )
            .returning(*columns(PatientRow))
        )
        return records.patient((await self._session.execute(statement)).mappings().one())

    async def update_status(
        self,
        patient_id: int,
        status: PatientStatus,
        now: datetime,
        *,
        paused_until_at: datetime | None = None,
    ) -> Patient | None:
        """Set the status (and when a pause ends; cleared unless given)."""
        return await self._update(
            patient_id, now, status=status.value, paused_until_at=paused_until_at
        )

    async def set_onboarding_step(
        self, patient_id: int, step: str | None, now: datetime
    ) -> Patient | None:
        """Remember where onboarding is, so it survives a restart (None when finished)."""
        return await self._update(patient_id, now, onboarding_step=step)

    async def update_preferences(
        self,
        patient_id: int,
        *,
        now: datetime,
        time_zone: str | None = None,
        checkin_days: int | None = None,
        checkin_time: str | None = None,
        summary_weekday: int | None = None,
        summary_time: str | None = None,
        quiet_start: str | None = None,
        quiet_end: str | None = None,
    ) -> Patient | None:
        """Change the given preferences; arguments left as None stay as they are.

        Raises ValueError for an unknown IANA zone, a bitmask or weekday out of range, or a
        time that is not "HH:MM".
        """
        times = {
            "checkin_time": checkin_time,
            "summary_time": summary_time,
            "quiet_start": quiet_start,
            "quiet_end": quiet_end,
        }
        _check_preferences(time_zone, checkin_days, summary_weekday, times)
        changes: dict[str, Any] = {
            "time_zone": time_zone,
            "checkin_days": checkin_days,
            "summary_weekday": summary_weekday,
            **times,
        }
        return await self._update(
            patient_id,
            now,
            **{name: value for name, value in changes.items() if value is not None},
        )

    async def set_awaiting(
        self, patient_id: int, awaiting: Awaiting | None, now: datetime
    ) -> Patient | None:
        """Remember what the person's next typed message is for (None: nothing)."""
        return await self._update(patient_id, now, awaiting_input=format_awaiting(awaiting))

    async def set_ask_about_pain(
        self, patient_id: int, ask: bool, now: datetime
    ) -> Patient | None:
        """Turn the optional pain item on or off."""
        return await self._update(patient_id, now, ask_about_pain=ask)

    async def pause_nudges(self, patient_id: int, until: datetime, now: datetime) -> None:
        """No nudges for this person before `until` (a longer pause already set stays)."""
        await self._session.execute(
            update(PatientRow)
            .where(
                PatientRow.id == patient_id,
                or_(
                    PatientRow.nudges_paused_until_at.is_(None),
                    PatientRow.nudges_paused_until_at < until,
                ),
            )
            .values(updated_at=now, nudges_paused_until_at=until)
        )

    async def touch_last_seen(self, patient_id: int, now: datetime) -> None:
        """Record that the person was active (not an "updated" change to their record)."""
        await self._session.execute(_touch_last_seen(), {"patient_id": patient_id, "now": now})

    async def _update(self, patient_id: int, now: datetime, **values: Any) -> Patient | None:
        statement = (
            update(PatientRow)
            .where(PatientRow.id == patient_id)
            .values(updated_at=now, **values)
            .returning(*columns(PatientRow))
        )
        return await self._one(statement)

    async def _one(self, statement: Executable) -> Patient | None:
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else records.patient(row)
