"""The tick: one check-in per chosen local day, the same times `n1 schedule preview` prints,
idempotent under double fires, downtime, pauses, quiet hours and weekly summaries."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from bot.cli import app as n1_cli
from core.clock import FakeClock
from core.domain import (
    CheckInSlot,
    CheckInStatus,
    OutboxKind,
    Patient,
    PatientStatus,
    ScheduleKind,
)
from core.store.repositories import CheckInRepository, PatientRepository, ScheduleRepository
from scheduler import checkins as checkins_module
from scheduler.local_time import describe_occurrence, local_date_of, start_of_local_day
from scheduler.schedules import Plan, preview_checkins, reschedule
from scheduler.weekdays import contains, parse_weekdays
from tests.scheduler.helpers import utc
from tests.scheduler.test_tick_support import (
    NO_QUIET,
    add_active_patient,
    add_check_in,
    check_ins,
    get_patient,
    keys,
    make_ticker,
    outbox,
    seen,
)

SessionFactory = async_sessionmaker[AsyncSession]
# Logic that does not depend on the database runs on SQLite only, to keep the suite quick;
# claiming and the week-long runs run on PostgreSQL too.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# Spans the 2027 spring changes in New York (14 Mar), London (28 Mar) and Lord Howe (4 Apr).
WEEKS_FROM = utc(2027, 3, 7, 12)
WEEKS_TO = utc(2027, 4, 19, 12)
CASES = [
    ("Europe/London", "01:30", "daily"),
    ("America/New_York", "02:30", "mon,wed,fri"),
    ("Australia/Lord_Howe", "01:45", "weekdays"),
    ("Asia/Kolkata", "07:00", "sat,sun"),
]


async def _schedule(session_factory: SessionFactory, patient_id: int) -> Any:
    async with session_factory() as session:
        return await ScheduleRepository(session).get(patient_id, ScheduleKind.CHECKIN)


async def _run_until(
    session_factory: SessionFactory, clock: FakeClock, end: datetime, patient_ids: list[int]
) -> int:
    """Tick at every due moment until `end`, with everyone active (answering) throughout."""
    ticker = make_ticker(session_factory, clock)
    ticks = 0
    report = await ticker.tick()
    while report.next_due_at is not None and report.next_due_at <= end:
        clock.set(max(clock.now(), report.next_due_at))
        for patient_id in patient_ids:
            await seen(session_factory, patient_id, clock.now())
        report = await ticker.tick()
        ticks += 1
    return ticks


async def test_the_tick_fires_one_checkin_per_chosen_local_day_as_preview_says(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(WEEKS_FROM)
    patients = [
        await add_active_patient(
            session_factory,
            telegram_user_id=100 + index,
            now=clock.now(),
            time_zone=zone,
            checkin_time=at,
            checkin_days=parse_weekdays(days) or 0,
            quiet=NO_QUIET,
        )
        for index, (zone, at, days) in enumerate(CASES)
    ]
    await _run_until(session_factory, clock, WEEKS_TO, [p.id for p in patients])

    for patient in patients:
        plan = Plan.checkins(patient)
        assert plan is not None
        fired = await check_ins(session_factory, patient.id)
        assert all(c.status is CheckInStatus.OPEN for c in fired)
        # Every chosen local day strictly inside the span fired, once; no other day did.
        first_day = local_date_of(WEEKS_FROM, plan.zone)
        last_day = local_date_of(WEEKS_TO, plan.zone)
        inside = {
            first_day + timedelta(days=n)
            for n in range(1, (last_day - first_day).days)
            if contains(patient.checkin_days, first_day + timedelta(days=n))
        }
        dates = [c.local_date for c in fired]
        assert len(set(dates)) == len(dates)
        assert inside <= set(dates)
        assert all(first_day <= d <= last_day and contains(patient.checkin_days, d) for d in dates)
        # And exactly what the preview (the same function) gives for the span.
        expected_slots = [s for s in preview_checkins(plan, WEEKS_FROM, 60) if s.at <= WEEKS_TO]
        assert dates == [s.local_date for s in expected_slots]
        # Fired at the preview's moment (the tick runs at the due time on this clock).
        assert [c.created_at for c in fired] == [s.at for s in expected_slots]
        messages = await outbox(session_factory, OutboxKind.CHECKIN.value)
        mine = [m for m in messages if m.patient_id == patient.id]
        assert keys(mine) == [f"checkin:{c.id}" for c in fired]
        assert all(m.payload["check_in_id"] == c.id for m, c in zip(mine, fired, strict=True))


@SQLITE_ONLY
@pytest.mark.parametrize(("zone", "at", "days"), CASES[:2])
async def test_n1_schedule_preview_prints_what_the_tick_did(
    session_factory: SessionFactory, zone: str, at: str, days: str
) -> None:
    clock = FakeClock(WEEKS_FROM)
    patient = await add_active_patient(
        session_factory,
        telegram_user_id=7,
        now=clock.now(),
        time_zone=zone,
        checkin_time=at,
        checkin_days=parse_weekdays(days) or 0,
        quiet=NO_QUIET,
    )
    await _run_until(session_factory, clock, WEEKS_TO, [patient.id])
    fired = await check_ins(session_factory, patient.id)
    plan = Plan.checkins(patient)
    assert plan is not None
    args = ["schedule", "preview", "--zone", zone, "--time", at, "--days", days]
    args += ["--from", fired[0].local_date.isoformat(), "--count", str(len(fired))]
    result = CliRunner().invoke(n1_cli, args)
    assert result.exit_code == 0, result.output
    printed = [" ".join(line.split()) for line in result.output.strip().splitlines()]
    expected = [" ".join(describe_occurrence(c.created_at, plan.zone)) for c in fired]
    assert printed == expected
    # The London case crosses the spring-forward gap: 01:30 became 02:00 BST that night.
    if zone == "Europe/London":
        assert "Sun 28 Mar 2027 02:00 BST 2027-03-28 01:00 UTC" in printed


async def test_preview_rejects_nonsense_with_one_line() -> None:
    result = CliRunner().invoke(
        n1_cli, ["schedule", "preview", "--zone", "Mars/Olympus", "--time", "09:00"]
    )
    assert result.exit_code == 2
    assert "Mars/Olympus" in result.output


async def test_firing_twice_or_from_two_tickers_at_once_queues_each_checkin_once(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    for user in range(30):
        await add_active_patient(session_factory, telegram_user_id=500 + user, now=clock.now())
    clock.set(utc(2027, 1, 4, 9))
    first, second = (
        make_ticker(session_factory, clock, batch_size=7),
        make_ticker(session_factory, clock, batch_size=7),
    )
    reports = await asyncio.gather(first.tick(), second.tick(), first.tick())
    assert sum(r.checkins_queued for r in reports) == 30
    messages = await outbox(session_factory)
    assert len(messages) == 30
    assert len(set(keys(messages))) == 30
    assert len(await check_ins(session_factory)) == 30
    # A schedule row pushed back by hand (a double fire) finds the same check-in and key.
    async with session_factory.begin() as session:
        patient = await PatientRepository(session).get_by_telegram_id(500)
        assert patient is not None
        await reschedule(session, patient, utc(2027, 1, 4, 8, 30))
    again = await first.tick()
    assert again.checkins_queued == 0
    assert len(await outbox(session_factory)) == 30


@SQLITE_ONLY
async def test_paused_stopped_and_unreachable_people_get_nothing(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))  # Monday
    paused = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    stopped = await add_active_patient(session_factory, telegram_user_id=2, now=clock.now())
    blocked = await add_active_patient(session_factory, telegram_user_id=3, now=clock.now())
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        # Paused until Wednesday noon; the rows still say Monday 09:00 (nobody rescheduled).
        await patients.update_status(
            paused.id, PatientStatus.PAUSED, clock.now(), paused_until_at=utc(2027, 1, 6, 12)
        )
        await patients.update_status(stopped.id, PatientStatus.STOPPED, clock.now())
        await patients.update_status(blocked.id, PatientStatus.UNREACHABLE, clock.now())
    ticker = make_ticker(session_factory, clock)
    clock.set(utc(2027, 1, 4, 9))
    report = await ticker.tick()
    assert report.checkins_queued == 0
    assert await outbox(session_factory) == []
    assert (await _schedule(session_factory, stopped.id)).next_due_at is None
    assert (await _schedule(session_factory, blocked.id)).next_due_at is None
    # The paused person's next check-in is the first after their pause: Thursday 09:00.
    assert (await _schedule(session_factory, paused.id)).next_due_at == utc(2027, 1, 7, 9)
    clock.set(utc(2027, 1, 7, 9))
    await seen(session_factory, paused.id, clock.now())
    report = await ticker.tick()
    assert report.checkins_queued == 1
    assert (await get_patient(session_factory, paused.id)).status is PatientStatus.ACTIVE


@SQLITE_ONLY
async def test_checkins_due_while_n1_was_down_are_sent_if_still_open_else_missed(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))  # Monday, London winter = UTC
    awake = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    night = await add_active_patient(
        session_factory, telegram_user_id=2, now=clock.now(), quiet=("21:00", "08:00")
    )
    ticker = make_ticker(session_factory, clock)
    # Down from Monday 08:00 to Wednesday 10:00: Monday's and Tuesday's windows have closed.
    clock.set(utc(2027, 1, 6, 10))
    await seen(session_factory, awake.id, clock.now())
    await seen(session_factory, night.id, clock.now())
    await ticker.tick()
    mine = await check_ins(session_factory, awake.id)
    assert [(c.local_date.day, c.status) for c in mine] == [
        (4, CheckInStatus.MISSED_DOWNTIME),
        (5, CheckInStatus.MISSED_DOWNTIME),
        (6, CheckInStatus.OPEN),
    ]
    sent = [m for m in await outbox(session_factory) if m.patient_id == awake.id]
    assert [m.payload["check_in_id"] for m in sent] == [mine[2].id]
    # The other person's Wednesday check-in: N1 comes back at 22:00, in their quiet hours.
    clock.set(utc(2027, 1, 6, 22))
    night_rows = await check_ins(session_factory, night.id)
    assert [c.status for c in night_rows] == [
        CheckInStatus.MISSED_DOWNTIME,
        CheckInStatus.MISSED_DOWNTIME,
        CheckInStatus.OPEN,
    ]  # it was still 10:00 when the first tick ran
    schedule = await _schedule(session_factory, night.id)
    assert schedule.next_due_at == utc(2027, 1, 7, 9)


@SQLITE_ONLY
async def test_a_late_checkin_in_quiet_hours_is_missed_not_sent(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patient = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    clock.set(utc(2027, 1, 4, 22))  # down until 22:00, inside 21:00-08:00
    await seen(session_factory, patient.id, clock.now())
    report = await make_ticker(session_factory, clock).tick()
    assert report.checkins_missed == 1
    assert report.checkins_queued == 0
    assert await outbox(session_factory) == []


@SQLITE_ONLY
async def test_a_checkin_time_inside_quiet_hours_moves_to_their_end(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 6, 7, 3))  # London summer time: 04:00 BST
    patient = await add_active_patient(
        session_factory,
        telegram_user_id=1,
        now=clock.now(),
        checkin_time="07:00",
        quiet=("21:00", "08:00"),
    )
    schedule = await _schedule(session_factory, patient.id)
    assert schedule.next_due_at == utc(2027, 6, 7, 7)  # 08:00 BST
    assert schedule.due_local_date == date(2027, 6, 7)
    clock.set(schedule.next_due_at)
    await make_ticker(session_factory, clock).tick()
    (check_in,) = await check_ins(session_factory, patient.id)
    assert check_in.local_date == date(2027, 6, 7)
    assert (await _schedule(session_factory, patient.id)).next_due_at == utc(2027, 6, 8, 7)


@SQLITE_ONLY
async def test_no_scheduled_checkin_on_a_day_that_already_had_the_baseline(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8, 30))
    patient = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    await add_check_in(
        session_factory,
        patient_id=patient.id,
        local_date=date(2027, 1, 4),
        slot=CheckInSlot.BASELINE.value,
        items=["moving_freely"],
        closes_at=utc(2027, 1, 5, 9),
        now=clock.now(),
    )
    clock.set(utc(2027, 1, 4, 9))
    report = await make_ticker(session_factory, clock).tick()
    assert report.checkins_queued == 0
    assert await outbox(session_factory) == []
    assert [c.slot for c in await check_ins(session_factory, patient.id)] == ["baseline"]
    assert (await _schedule(session_factory, patient.id)).next_due_at == utc(2027, 1, 5, 9)


@SQLITE_ONLY
async def test_the_weekly_summary_counts_days_with_a_checkin_and_comes_with_its_chart(
    session_factory: SessionFactory,
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))  # Monday; summaries on Sunday 18:00
    keen = await add_active_patient(session_factory, telegram_user_id=1, now=clock.now())
    quiet = await add_active_patient(session_factory, telegram_user_id=2, now=clock.now())
    for day in (4, 6, 9):
        check_in = await add_check_in(
            session_factory,
            patient_id=keen.id,
            local_date=date(2027, 1, day),
            slot=CheckInSlot.ONDEMAND.value,
            items=["moving_freely"],
            closes_at=utc(2027, 1, day, 23),
            now=utc(2027, 1, day, 10),
        )
        async with session_factory.begin() as session:
            await CheckInRepository(session).record_answer(
                check_in, item="moving_freely", value=3, now=utc(2027, 1, day, 10)
            )
    summaries = ScheduleRepository
    async with session_factory() as session:
        row = await summaries(session).get(keen.id, ScheduleKind.SUMMARY)
    assert row is not None
    assert row.next_due_at == utc(2027, 1, 10, 18)
    # Only the summary rows are due: park the check-in rows beyond the Sunday.
    async with session_factory.begin() as session:
        for patient in (keen, quiet):
            await ScheduleRepository(session).set(
                patient.id,
                ScheduleKind.CHECKIN,
                next_due_at=utc(2027, 2, 1, 9),
                due_local_date=date(2027, 2, 1),
                now=clock.now(),
            )
    clock.set(utc(2027, 1, 10, 18))
    for patient in (keen, quiet):
        await seen(session_factory, patient.id, clock.now())
    report = await make_ticker(session_factory, clock).tick()
    assert report.summaries_queued == 1
    photo, rest = await outbox(session_factory, OutboxKind.SUMMARY.value)
    assert {photo.patient_id, rest.patient_id} == {keen.id}
    assert photo.payload["chart"] == {"patient_id": keen.id, "week_end": "2027-01-10"}
    words = photo.payload["text"] + "\n" + rest.payload["text"]
    assert "3 days" in words
    assert "streak" not in words.lower()
    assert "next week" in words
    async with session_factory() as session:
        row = await summaries(session).get(keen.id, ScheduleKind.SUMMARY)
    assert row is not None
    assert row.next_due_at == utc(2027, 1, 17, 18)


@SQLITE_ONLY
async def test_a_row_that_raises_is_set_aside_and_the_rest_still_fire(
    session_factory: SessionFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = FakeClock(utc(2027, 1, 4, 8))
    patients = [
        await add_active_patient(session_factory, telegram_user_id=40 + n, now=clock.now())
        for n in range(5)
    ]
    broken = patients[2].id
    original = checkins_module.choose_items

    # Both the set-based path and the row-by-row retry choose the items here.
    def flaky(patient: Patient, *args: Any) -> Any:
        if patient.id == broken:
            raise RuntimeError("boom")
        return original(patient, *args)

    monkeypatch.setattr(checkins_module, "choose_items", flaky)
    clock.set(utc(2027, 1, 4, 9))
    report = await make_ticker(session_factory, clock, batch_size=10).tick()
    assert report.checkins_queued == 4
    assert report.failed == 1
    # Tried again 15 minutes later, for the same local day.
    schedule = await _schedule(session_factory, broken)
    assert schedule.next_due_at == utc(2027, 1, 4, 9, 15)
    assert schedule.due_local_date == date(2027, 1, 4)
    monkeypatch.setattr(checkins_module, "choose_items", original)
    clock.set(utc(2027, 1, 4, 9, 15))
    report = await make_ticker(session_factory, clock).tick()
    assert report.checkins_queued == 1


@SQLITE_ONLY
async def test_people_set_up_without_schedule_rows_get_them_on_the_first_tick(
    session_factory: SessionFactory,
) -> None:
    now = datetime(2027, 1, 4, 8, tzinfo=UTC)
    async with session_factory.begin() as session:
        patients = PatientRepository(session)
        patient = await patients.add(telegram_user_id=9, chat_id=9, now=now)
        await patients.update_status(patient.id, PatientStatus.ACTIVE, now)
    report = await make_ticker(session_factory, FakeClock(now)).tick()
    assert report.schedules_created == 1
    assert report.next_due_at == utc(2027, 1, 4, 9)
    schedule = await _schedule(session_factory, patient.id)
    assert schedule.due_local_date == date(2027, 1, 4)
    assert start_of_local_day(date(2027, 1, 4), Plan.checkins(patient).zone) < utc(2027, 1, 4, 9)  # type: ignore[union-attr]
