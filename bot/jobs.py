"""Background work: the scheduler tick on PTB's JobQueue, and the outbox dispatcher.

The tick runs every `N1_TICK_SECONDS` (20 s by default) and again early whenever the next
thing falls due sooner; ticks never overlap. The dispatcher is one long-running task started
by the first tick (when the application is running, so that `Application.stop` waits for it);
it stops when the application stops, after the sends in flight have been recorded.
A third job, the retention purge, runs once a day (`usecases.retention`). On the demo's
accelerated clock all of them turn simulated delays into real ones.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Final
from weakref import WeakKeyDictionary

from apscheduler.events import (  # type: ignore[import-untyped]
    EVENT_SCHEDULER_SHUTDOWN,
    SchedulerEvent,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application, CallbackContext, Job

from bot.sender import TelegramSender
from bot.services import Running
from core.safety import prepare as prepare_screening
from core.settings import Settings
from scheduler.dispatch_lock import dispatch_lock_for
from scheduler.dispatcher import Dispatcher, DispatchSettings
from scheduler.summary_charts import SummaryCharts
from scheduler.tick import Ticker, TickReport
from usecases.retention import purge

logger = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

TICK_JOB: Final = "n1-tick"
RETENTION_JOB: Final = "n1-retention"
PREPARE_SCREENING_JOB: Final = "n1-prepare-safety-screening"
# The purge runs daily (simulated seconds), the first time this long after start-up, so a
# process restarted every day still purges.
RETENTION_EVERY: Final = 24 * 3600.0
RETENTION_FIRST_AFTER: Final = 600.0
EARLY_TICK_JOB: Final = "n1-tick-soon"
# On a fast simulated clock the regular tick still comes at most this often (real seconds).
MIN_TICK_INTERVAL: Final = 0.05
# Tick batches: up to this many rows in one transaction (a few tens of milliseconds).
TICK_BATCH: Final = 200
# On SQLite, a pause between batches longer than SQLite's longest busy-wait sleep (100 ms),
# so a waiting answer (or another process) always gets the single write lock between two.
SQLITE_PAUSE: Final = 0.12
# An extra tick is planned for the next due moment if it is at most this far ahead (real
# seconds); regular ticks cover anything further away, and re-plan as it comes closer.
PLAN_AHEAD: Final = 3600.0

_LATE_IS_FINE: Final[dict[str, Any]] = {
    "misfire_grace_time": None,
    "coalesce": True,
    # Overlap is prevented by DeliveryJobs' own lock (a second run returns at once), so
    # APScheduler need not skip runs and warn about it.
    "max_instances": 3,
}

_RUNNING: WeakKeyDictionary[AnyApplication, DeliveryJobs] = WeakKeyDictionary()


@dataclass(frozen=True)
class TickBatches:
    """How the tick splits its work on one database."""

    size: int
    # Real seconds the tick waits after each batch that claimed rows.
    pause: float


def tick_batches(engine: AsyncEngine) -> TickBatches:
    """The tick's batch size and pause for this engine's database."""
    # SQLite has a single writer: a pause between batches lets answers through.
    pause = SQLITE_PAUSE if engine.dialect.name == "sqlite" else 0.0
    return TickBatches(TICK_BATCH, pause)


class DeliveryJobs:
    """The tick and the dispatcher of one running application."""

    def __init__(
        self,
        application: AnyApplication,
        running: Running,
        settings: Settings,
        *,
        dispatch_settings: DispatchSettings | None = None,
    ) -> None:
        self._application = application
        services = running.services
        self._clock = services.clock
        self.dispatcher = Dispatcher(
            services.session_factory,
            TelegramSender(application.bot),
            clock=services.clock,
            lock=dispatch_lock_for(running.engine),
            codec=services.codec,
            settings=dispatch_settings,
            sent_by_kind=running.sent_by_kind,
            draw_chart=SummaryCharts(services.session_factory).draw,
        )
        batches = tick_batches(running.engine)
        self.ticker = Ticker(
            services.session_factory,
            clock=services.clock,
            codec=services.codec,
            catalogue=services.catalogue,
            on_queued=self.dispatcher.wake,
            batch_size=batches.size,
            pause_between_batches=batches.pause,
        )
        clock, tick_seconds = services.clock, settings.tick_seconds
        self.interval = min(tick_seconds, max(MIN_TICK_INTERVAL, clock.real_seconds(tick_seconds)))
        self._tick_lock = asyncio.Lock()
        self._again = False
        self._early: Job[Any] | None = None
        self._early_due = 0.0
        self._dispatcher_task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Register the tick; it starts the dispatcher on its first run."""
        job_queue = self._application.job_queue
        if job_queue is None:
            raise RuntimeError("N1 needs python-telegram-bot[job-queue] for its scheduler")
        job_queue.run_repeating(
            self._tick_job,
            interval=self.interval,
            first=self.interval,
            name=TICK_JOB,
            # A late tick still runs (it is idempotent); overlapping ones never do.
            job_kwargs=_LATE_IS_FINE,
        )
        # The first tick as soon as the job queue runs: catches up after a restart. (A
        # repeating job added before the scheduler starts would skip its first run.)
        self._early_due = asyncio.get_running_loop().time()
        self._early = job_queue.run_once(
            self._tick_job, when=0.0, name=EARLY_TICK_JOB, job_kwargs=_LATE_IS_FINE
        )
        # The dispatcher idles on an event; wake it as soon as the application stops.
        job_queue.scheduler.add_listener(self._on_scheduler_shutdown, EVENT_SCHEDULER_SHUTDOWN)

    async def tick_now(self) -> TickReport | None:
        """Run a tick now (after one that is running); None if it failed (it is logged)."""
        async with self._tick_lock:
            report: TickReport | None = None
            while True:
                self._again = False
                try:
                    report = await self.ticker.tick()
                except Exception:
                    logger.exception("scheduler tick failed; the next one will try again")
                    return None
                if not (self._again or report.more_due):
                    break
        if report.next_due_at is not None:
            seconds = (report.next_due_at - self._clock.now()).total_seconds()
            self._plan_tick(self._clock.real_seconds(max(0.0, seconds)))
        return report

    async def _tick_job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        del context
        self._start_dispatcher()
        if self._tick_lock.locked():
            self._again = True  # the running tick goes round once more
            return
        await self.tick_now()

    def _start_dispatcher(self) -> None:
        if self._dispatcher_task is not None or not self._application.running:
            return
        self._dispatcher_task = self._application.create_task(
            self.dispatcher.run(self._should_dispatch), name="n1-dispatcher"
        )

    def _should_dispatch(self) -> bool:
        return self._application.running and not self._stopping

    def _plan_tick(self, delay: float) -> None:
        """Tick once more after `delay` real seconds (keeping an earlier one if planned)."""
        job_queue = self._application.job_queue
        if job_queue is None or delay > PLAN_AHEAD or not self._application.running:
            return
        now = asyncio.get_running_loop().time()
        due = now + delay
        early = self._early
        pending = early is not None and not early.removed and self._early_due > now
        if pending and self._early_due <= due:
            return  # an early tick is already planned, and no later than this one
        if pending and early is not None:
            early.schedule_removal()
        self._early_due = due
        self._early = job_queue.run_once(
            self._tick_job, when=delay, name=EARLY_TICK_JOB, job_kwargs=_LATE_IS_FINE
        )

    def _on_scheduler_shutdown(self, event: SchedulerEvent) -> None:
        del event
        self._stopping = True
        self.dispatcher.wake()


class RetentionJob:
    """The daily retention purge of one running application."""

    def __init__(self, running: Running, settings: Settings) -> None:
        self._services = running.services
        self._months = settings.retention_months

    def start(self, application: AnyApplication) -> None:
        """Register the purge on the application's JobQueue."""
        job_queue = application.job_queue
        if job_queue is None:
            raise RuntimeError("N1 needs python-telegram-bot[job-queue] for its scheduler")
        clock = self._services.clock
        job_queue.run_repeating(
            self._purge_job,
            interval=clock.real_seconds(RETENTION_EVERY),
            first=clock.real_seconds(RETENTION_FIRST_AFTER),
            name=RETENTION_JOB,
            job_kwargs=_LATE_IS_FINE,
        )

    async def _purge_job(self, context: CallbackContext[Any, Any, Any, Any]) -> None:
        del context
        try:
            erased = await purge(
                self._services.session_factory, self._services.clock, self._months
            )
        except Exception:
            logger.exception("retention purge failed; it runs again tomorrow")
            return
        # Counts only: never who.
        logger.info("retention purge: %d inactive people erased", erased.people)


def start_jobs(application: AnyApplication) -> None:
    """Start N1's tick, dispatcher and retention purge for a running bot (called once
    services exist)."""
    running: Running | None = application.bot_data.running
    if running is None:
        raise RuntimeError("start_jobs needs the running services built first")
    settings = application.bot_data.settings
    jobs = DeliveryJobs(application, running, settings)
    jobs.start()
    RetentionJob(running, settings).start(application)
    job_queue = application.job_queue
    assert job_queue is not None  # DeliveryJobs.start has checked
    job_queue.run_once(_prepare_screening, when=0, name=PREPARE_SCREENING_JOB)
    _RUNNING[application] = jobs


async def _prepare_screening(context: CallbackContext[Any, Any, Any, Any]) -> None:
    # The safety screening's first use builds its vocabulary (about half a second of CPU):
    # done at start, in a worker thread, it never holds up the first person who types.
    del context
    await asyncio.to_thread(prepare_screening)


def delivery_jobs(application: AnyApplication) -> DeliveryJobs | None:
    """The tick and dispatcher of a running application (tests, the demo, handlers)."""
    return _RUNNING.get(application)
