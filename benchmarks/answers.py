"""B6: people tapping answers on their check-ins, through the running bot, end to end.

N1 runs as `n1 run` runs it: `bot.app.build_application` and `bot.app.running_bot`, long
polling the sandbox (in a process of its own, limits off), with its own tick and dispatcher.
People are added in groups (`benchmarks.population`) with a check-in due; the bot's own tick
(`DeliveryJobs.tick_now`, as its timer would) opens their check-ins and its dispatcher sends
them, and only once the sandbox has every one of them do the taps start. Simulated people,
in a process of their own (`benchmarks/tapper.py`), then tap the first answer of the first
question on their own check-in, each once, at a fixed offered rate: a tap is pressed every
1/rate seconds whatever became of the ones before. The bot's clock is a `FakeClock` at the
check-ins' time, so it paces nothing in real time.

A tap's latency runs from the press to the moment the sandbox has N1's answer to it
(`answerCallbackQuery` in the sandbox's call log; both sides read `time.monotonic()`, one
clock for every process on Linux). Figures, on SQLite and, with `N1_BENCH_POSTGRES_URL`,
PostgreSQL:

- at 120 taps a second (the most a 30-a-second stream of four-item check-ins can cause),
  for 10 s (2 s with `--quick`): p50 and p95 (target p95 < 100 ms with every tap
  answered), the answers stored
  (`ReportingRepository.answer_counts`; must equal the taps), the rate answered, the bot
  process's CPU per tap, and the SQL statements and transactions per tap;
- the highest rate sustained: short runs (3 s each, 1 s with `--quick`) at 180, 240, 300,
  400, 500, 600 and 800 taps a second, fresh people each, until one has p95 of 100 ms or
  more, an answer rate below 95% of the rate offered, or a tap left unanswered; the highest
  rate that passed.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from benchmarks.harness import (
    DUE,
    SQLITE,
    StatementCounter,
    analyse_after_bulk_load,
    bot_settings,
    catalogue,
    database_kinds,
    database_url,
    median,
    percentile,
)
from benchmarks.population import populate
from benchmarks.sandbox_process import ROOT, SandboxProcess, sandbox_in_process_of_its_own
from benchmarks.table import Figure, render
from bot.app import build_application, running_bot
from bot.jobs import delivery_jobs
from core.clock import FakeClock
from core.store.repositories import ReportingRepository
from core.zones import use_bundled_tzdata
from sandbox import SandboxLimits

BOT_ID = 5550301
TOKEN = f"{BOT_ID}:n1-bench-answers"
FIRST_USER = 30_000_000
FIXED_RATE: Final = 120
LADDER: Final = (180, 240, 300, 400, 500, 600, 800)
TARGET_P95: Final = 0.100
ACHIEVED_SHARE: Final = 0.95
# Seconds of tapping: the fixed-rate run, then each step of the ladder.
FULL_SECONDS, QUICK_SECONDS = (10.0, 3.0), (2.0, 1.0)
# Give up waiting for the check-ins to reach the sandbox after this long.
SENDING_PATIENCE = 300.0
FIGURES_PER_DATABASE = 8


@dataclass(frozen=True)
class Step:
    """One run at a fixed offered rate."""

    rate: float
    taps: int
    answered: int
    p50: float
    p95: float
    # Answers per second (between the first and the last), and taps pressed per second.
    achieved: float
    offered: float
    # CPU seconds of the bot's process per tap, over the run.
    cpu_per_tap: float = 0.0

    @property
    def quick_enough(self) -> bool:
        """p95 under the target, every tap answered (an unanswered tap has no latency, so
        the p95 alone would pass a run that answered nothing)."""
        return 0 < self.answered == self.taps and self.p95 < TARGET_P95

    @property
    def passed(self) -> bool:
        """Quick enough, and the rate kept up with."""
        return self.quick_enough and self.achieved >= ACHIEVED_SHARE * self.rate

    def why_not(self) -> str:
        """What failed, in a few words ("" if it passed)."""
        reasons = []
        if self.answered < self.taps:
            reasons.append(f"{self.taps - self.answered} unanswered")
        if self.p95 >= TARGET_P95:
            reasons.append(f"p95 {self.p95 * 1000:.0f} ms")
        if self.achieved < ACHIEVED_SHARE * self.rate:
            reasons.append(f"answered {self.achieved:.0f}/s")
            if self.offered < ACHIEVED_SHARE * self.rate:
                reasons.append(f"the simulated people pressed only {self.offered:.0f}/s")
        return ", ".join(reasons)


def evaluate(
    rate: float, presses: dict[int, float], answers: dict[int, float], cpu_seconds: float = 0.0
) -> Step:
    """A run's figures from when each tap was pressed and when its answer came."""
    latencies = [answers[user] - pressed for user, pressed in presses.items() if user in answers]
    pressed = sorted(presses.values())
    answered = sorted(answers[user] for user in presses if user in answers)
    return Step(
        rate=rate,
        taps=len(presses),
        answered=len(answered),
        p50=median(latencies),
        p95=percentile(latencies, 0.95),
        achieved=_per_second(answered),
        offered=_per_second(pressed),
        cpu_per_tap=cpu_seconds / len(presses) if presses else 0.0,
    )


def _per_second(moments: Sequence[float]) -> float:
    """Events per second between the first and the last of `moments` (sorted)."""
    if len(moments) < 2 or moments[-1] <= moments[0]:
        return 0.0
    return (len(moments) - 1) / (moments[-1] - moments[0])


def highest_sustained(steps: Sequence[Step]) -> tuple[float, str]:
    """The highest rate of the passing steps before the first failure, and what happened
    next ("" if none failed)."""
    highest = 0.0
    for step in steps:
        if not step.passed:
            return highest, f"at {step.rate:.0f}/s: {step.why_not()}"
        highest = step.rate
    return highest, ""


@dataclass(frozen=True)
class AnswerFigures:
    """One database's answers run: the fixed rate, the answers stored, the ladder."""

    database: str
    fixed: Step
    stored: int
    ladder: tuple[Step, ...]
    # During the fixed-rate run.
    statements: int = 0
    transactions: int = 0


async def _tap(sandbox: SandboxProcess, rate: float, label: str, users: list[int]) -> Step:
    """The simulated people's process taps; the bot's CPU meanwhile is this process's."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.tapper", sandbox.url, str(BOT_ID), str(rate), label,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    cpu = time.process_time()
    out, _ = await process.communicate(json.dumps(users).encode())
    cpu = time.process_time() - cpu
    if process.returncode != 0:
        raise RuntimeError(f"the simulated people's process failed ({process.returncode})")
    result = json.loads(out)
    presses = {int(user): float(moment) for user, moment in result["presses"]}
    answers = {int(user): float(moment) for user, moment in result["answers"]}
    return evaluate(rate, presses, answers, cpu)


async def measure(kind: str, quick: bool) -> AnswerFigures:
    """The fixed-rate run, then the ladder, on one database."""
    fixed_seconds, step_seconds = QUICK_SECONDS if quick else FULL_SECONDS
    clock = FakeClock(DUE)
    # Counts everything the bot's process sends: during the taps that is the taps' work, and
    # a dispatcher's look at its empty outbox twice a second.
    counter = StatementCounter()
    async with (
        database_url(kind) as url,
        sandbox_in_process_of_its_own(bot_id=BOT_ID, limits=SandboxLimits.off()) as sandbox,
    ):
        client = sandbox.client
        application = build_application(
            bot_settings(sandbox.url, TOKEN, url),
            clock,
            token=TOKEN,
            catalogue=catalogue(),
            freeze_heap=True,
        )
        with counter.listening():
            async with running_bot(application) as running:
                jobs = delivery_jobs(application)
                assert jobs is not None
                factory = running.services.session_factory
                added = 0

                async def people(count: int) -> list[int]:
                    """`count` more people, each with their check-in in the sandbox."""
                    nonlocal added
                    users = await populate(factory, count, first_user=FIRST_USER + added)
                    await analyse_after_bulk_load(running.engine)
                    added += count
                    await client.register_users(client.user(user) for user in users)
                    await jobs.tick_now()  # the tick the bot's timer would run: they are due
                    deadline = time.monotonic() + SENDING_PATIENCE
                    while (await client.stats())["delivered"] < added:
                        if time.monotonic() > deadline:
                            raise TimeoutError("the bot did not send everyone's check-in")
                        await asyncio.sleep(0.1)
                    return users

                users = await people(round(FIXED_RATE * fixed_seconds))
                label = (await client.user(users[0]).last_message()).labels[0]
                with counter.counting():
                    fixed = await _tap(sandbox, FIXED_RATE, label, users)
                async with factory() as session:
                    stored = (await ReportingRepository(session).answer_counts())["answers"]
                ladder: list[Step] = []
                if fixed.passed:
                    for rate in LADDER:
                        users = await people(round(rate * step_seconds))
                        ladder.append(await _tap(sandbox, rate, label, users))
                        if not ladder[-1].passed:
                            break
    return AnswerFigures(
        kind, fixed, stored, tuple(ladder), counter.statements, counter.transactions
    )


def figures(f: AnswerFigures) -> list[Figure]:
    """One database's figures."""
    where, fixed = f.database, f.fixed
    taps = max(1, fixed.taps)
    highest, then = highest_sustained((fixed, *f.ladder))
    if not then:
        then = f"every step passed, up to {LADDER[-1]}/s" if f.ladder else "no step ran"
    return [
        Figure("answers", f"tap to callback answer at {FIXED_RATE} taps/s offered, p50 "
               f"({fixed.taps:,} taps, {where})", fixed.p50 * 1000, "ms"),
        Figure("answers", f"tap to callback answer at {FIXED_RATE} taps/s offered, p95 ({where})",
               fixed.p95 * 1000, "ms", target=f"< {TARGET_P95 * 1000:.0f} ms, all answered",
               met=fixed.quick_enough),
        Figure("answers", f"answers stored ({where})", float(f.stored), "",
               target=f"{fixed.taps:,}", met=f.stored == fixed.taps),
        Figure("answers", f"taps answered per second at {FIXED_RATE}/s offered ({where})",
               fixed.achieved, "/s", target=f">= {ACHIEVED_SHARE * FIXED_RATE:.0f}/s",
               met=fixed.achieved >= ACHIEVED_SHARE * FIXED_RATE),
        Figure("answers", f"bot process CPU per tap at {FIXED_RATE}/s ({where})",
               fixed.cpu_per_tap * 1000, "ms"),
        Figure("answers", f"SQL statements per tap ({where})", f.statements / taps, ""),
        Figure("answers", f"transactions per tap ({where})", f.transactions / taps, ""),
        Figure("answers", f"highest tap rate sustained, p95 < {TARGET_P95 * 1000:.0f} ms and "
               f">= {ACHIEVED_SHARE:.0%} answered ({where}; {then})", highest, "/s"),
    ]  # fmt: skip


def expected(postgres: bool) -> int:
    """How many figures `run` writes."""
    return FIGURES_PER_DATABASE * (2 if postgres else 1)


def run(quick: bool) -> list[Figure]:
    """The answers benchmark's figures, on each database."""
    result: list[Figure] = []
    for kind in database_kinds():
        result += figures(asyncio.run(measure(kind, quick)))
    return result


def main(argv: list[str]) -> int:
    """`python -m benchmarks.answers [--quick] [--sqlite]`: this benchmark alone, with every
    step of the ladder."""
    quick = "--quick" in argv
    kinds = [SQLITE] if "--sqlite" in argv else database_kinds()
    for kind in kinds:
        f = asyncio.run(measure(kind, quick))
        print(render(figures(f)))
        for step in (f.fixed, *f.ladder):
            print(
                f"  {kind} {step.rate:.0f}/s: {step.taps} taps, pressed {step.offered:.0f}/s, "
                f"answered {step.answered} at {step.achieved:.0f}/s, p50 "
                f"{step.p50 * 1000:.1f} ms, p95 {step.p95 * 1000:.1f} ms, CPU "
                f"{step.cpu_per_tap * 1000:.2f} ms/tap: {'ok' if step.passed else step.why_not()}"
            )
    return 0


if __name__ == "__main__":
    use_bundled_tzdata()
    sys.exit(main(sys.argv[1:]))
