"""A faithful per-user PTB bot: one `JobQueue.run_daily` job per patient.

This is how most Telegram bots schedule reminders (PTB's own timerbot example, rules-bot,
ptbcontrib's job stores): at start-up every patient's check-in becomes an APScheduler job,
kept in memory, with PTB's default JobQueue settings (APScheduler's 1 second misfire grace).
The benchmarks measure what that costs against N1's schedule-in-the-database design.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from typing import Any
from zoneinfo import ZoneInfo

from telegram.ext import Application, ApplicationBuilder, CallbackContext, ContextTypes

from sandbox import BotApiSandbox, SandboxLimits

PlainApplication = Application[Any, Any, Any, Any, Any, Any]
DAYS = (0, 1, 2, 3, 4, 5, 6)
ZONES = ("Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Sydney")


@dataclass
class Sent:
    """What the baseline's check-in callbacks did, per patient."""

    by_patient: dict[int, int] = field(default_factory=dict)
    last_at: float = 0.0

    def record(self, patient_id: int) -> None:
        """Count one check-in for `patient_id`."""
        self.by_patient[patient_id] = self.by_patient.get(patient_id, 0) + 1
        self.last_at = time.monotonic()


TOKEN = "1000002:baseline-token"


def build(base_url: str, base_file_url: str) -> PlainApplication:
    """A PTB application with the default JobQueue, as a typical bot builds it.

    It talks to the local sandbox (`base_url`), never to Telegram.
    """
    return (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .context_types(ContextTypes())
        .build()
    )


async def _checkin(context: CallbackContext[Any, Any, Any, Any]) -> None:
    """The typical job callback, counting the check-in it would send the patient."""
    job = context.job
    assert job is not None
    assert isinstance(job.data, tuple)
    patient_id, sent = job.data
    sent.record(patient_id)


def register(
    application: PlainApplication,
    patients: int,
    at: Callable[[int], day_time],
    sent: Sent,
) -> None:
    """One `run_daily` per patient, each in the patient's own zone, as the bot would."""
    job_queue = application.job_queue
    assert job_queue is not None
    for patient_id in range(patients):
        job_queue.run_daily(
            _checkin,
            time=at(patient_id),
            days=DAYS,
            data=(patient_id, sent),
            name=f"checkin-{patient_id}",
            chat_id=patient_id,
        )


def zoned_time(hour: int, minute: int, second: int = 0) -> Callable[[int], day_time]:
    """The same local time for everyone, spread over a few zones."""

    def at(patient_id: int) -> day_time:
        zone = ZoneInfo(ZONES[patient_id % len(ZONES)])
        return day_time(hour, minute, second, tzinfo=zone)

    return at


def same_moment(moment: datetime) -> Callable[[int], day_time]:
    """Everyone due at exactly `moment` (the burst benchmark)."""
    utc = moment.astimezone(UTC)

    def at(patient_id: int) -> day_time:
        del patient_id
        return day_time(utc.hour, utc.minute, utc.second, tzinfo=UTC)

    return at


async def burst(patients: int, *, settle_seconds: float = 8.0) -> Sent:
    """`patients` check-ins due in the same second, with PTB's default JobQueue settings.

    Returns what ran. APScheduler drops jobs that start more than its 1 second misfire
    grace late, which is what happens to most of a large same-second burst.
    """
    async with BotApiSandbox(limits=SandboxLimits.off()) as sandbox:
        return await _burst(sandbox, patients, settle_seconds)


async def _burst(sandbox: BotApiSandbox, patients: int, settle_seconds: float) -> Sent:
    # APScheduler logs one warning per dropped job; the count is what matters here.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    application = build(sandbox.base_url, sandbox.file_url)
    sent = Sent()
    # Due on the next whole second at least two seconds from now (registration takes time).
    start = datetime.now(UTC) + timedelta(seconds=2 + patients / 20_000)
    due = start.replace(microsecond=0) + timedelta(seconds=1)
    async with application:
        await application.start()
        register(application, patients, same_moment(due), sent)
        wait = (due - datetime.now(UTC)).total_seconds() + settle_seconds
        await asyncio.sleep(max(0.0, wait))
        await application.stop()
    return sent
