"""People for the benchmarks, set up as onboarding leaves them, quickly.

One person is set up through N1's own repositories and `scheduler.schedules.reschedule`
(preferences, active, health-data consent, schedule rows), then copied with bulk inserts:
everyone has the same preferences, so the same schedule rows. The database gives every copy
its own ids, so N1's later inserts (check-ins, outbox rows) never collide with them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from benchmarks.harness import JOINED, SessionFactory
from core.domain import HEALTH_DATA_CONSENT, PatientStatus
from core.journey import CONSENT_VERSION
from core.store.repositories import ConsentRepository, PatientRepository
from core.store.tables import ConsentRow, PatientRow, ScheduleRow
from scheduler.schedules import reschedule

FIRST_USER = 10_000_000
_CHUNK = 2_000


def table_of(row: type[Any]) -> Table:
    """The Core table behind one of N1's mapped row classes (for bulk inserts)."""
    table = row.__table__
    assert isinstance(table, Table)
    return table


async def populate(
    session_factory: SessionFactory,
    count: int,
    *,
    first_user: int = FIRST_USER,
    joined: datetime = JOINED,
    now: datetime | None = None,
    checkin_time: str = "09:00",
    summary_weekday: int = 6,
    summary_time: str = "18:00",
) -> list[int]:
    """`count` active people in London who joined at `joined`, scheduled at `now` (default:
    when they joined) for check-ins every day at `checkin_time` and a weekly summary;
    returns their Telegram user ids (also their chat ids), `first_user` onwards."""
    if count < 1:
        return []
    scheduled_at = now or joined
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        person = await patients.add(telegram_user_id=first_user, chat_id=first_user, now=joined)
        await patients.update_preferences(
            person.id,
            now=scheduled_at,
            time_zone="Europe/London",
            checkin_days=127,
            checkin_time=checkin_time,
            summary_weekday=summary_weekday,
            summary_time=summary_time,
            quiet_start="21:00",
            quiet_end="08:00",
        )
        await patients.touch_last_seen(person.id, scheduled_at)
        active = await patients.update_status(person.id, PatientStatus.ACTIVE, scheduled_at)
        assert active is not None
        await reschedule(session, active, scheduled_at)
        await ConsentRepository(session).record(
            patient_id=person.id,
            kind=HEALTH_DATA_CONSENT,
            version=CONSENT_VERSION,
            granted=True,
            now=scheduled_at,
        )
        template = await _row(session, table_of(PatientRow), PatientRow.id == person.id)
        schedules = await _rows(
            session, table_of(ScheduleRow), ScheduleRow.patient_id == person.id
        )
        consents = await _rows(session, table_of(ConsentRow), ConsentRow.patient_id == person.id)
    users = [first_user + n for n in range(count)]
    for start in range(1, count, _CHUNK):
        chunk = users[start : start + _CHUNK]
        async with session_factory.begin() as session:
            people = [_copy(template, telegram_user_id=user, chat_id=user) for user in chunk]
            inserted = await session.execute(
                insert(table_of(PatientRow)).returning(PatientRow.id), people
            )
            ids = list(inserted.scalars())
            rows = [_copy(s, patient_id=patient_id) for patient_id in ids for s in schedules]
            agreed = [_copy(c, patient_id=patient_id) for patient_id in ids for c in consents]
            await session.execute(insert(table_of(ScheduleRow)), rows)
            await session.execute(insert(table_of(ConsentRow)), agreed)
    return users


def _copy(row: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A row's values without its id (the database gives the copy one), with `changes`."""
    values = {key: value for key, value in row.items() if key != "id"}
    values.update(changes)
    return values


async def _row(session: AsyncSession, table: Table, condition: Any) -> dict[str, Any]:
    return dict((await session.execute(select(table).where(condition))).mappings().one())


async def _rows(session: AsyncSession, table: Table, condition: Any) -> list[dict[str, Any]]:
    result = await session.execute(select(table).where(condition))
    return [dict(row) for row in result.mappings()]
