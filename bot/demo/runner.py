"""Runs the demo: sandbox, the real N1 application, simulated patients, and the report."""

from __future__ import annotations

import json
import random
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import build_application, running_bot
from bot.demo.patients import NAMES, DemoPatient, run_all
from bot.demo.printer import ConversationPrinter
from bot.services import Running
from core.clock import AcceleratedClock
from core.crypto import new_key
from core.settings import load_settings
from core.store.repositories import (
    PatientRepository,
    ReportingRepository,
    WeeklySummaryRepository,
)
from messages.catalogue import load_catalogue
from sandbox import BotApiSandbox, SandboxClient
from scheduler.delivery_report import delivery_report
from scheduler.summary_charts import SummaryCharts, chart_reference

DEMO_BOT_ID = 100000001
DEMO_TOKEN = f"{DEMO_BOT_ID}:n1-demo-sandbox-token"
# A Monday morning in London, so every run of the same seed tells the same story.
DEMO_START = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
DEMO_ZONE = ZoneInfo("Europe/London")
FIRST_USER_ID = 7_000_001
# The second simulated patient goes quiet for a while (when the demo runs long enough).
AWAY = (2.5, 15.0)


@dataclass(frozen=True)
class DemoOptions:
    """What `n1 demo` was asked for."""

    patients: int = 3
    days: int = 7
    seed: int = 1
    report: Path | None = None
    speed: float = 21_600.0
    quiet: bool = False


async def run_demo(options: DemoOptions, out: TextIO) -> dict[str, Any]:
    """Run the whole demo and return (and optionally write) its report."""
    with tempfile.TemporaryDirectory(prefix="n1-demo-") as workdir:
        return await _run(options, out, Path(workdir))


async def _run(options: DemoOptions, out: TextIO, workdir: Path) -> dict[str, Any]:
    clock = AcceleratedClock(DEMO_START, options.speed)
    printer = ConversationPrinter(out, clock, DEMO_ZONE, quiet=options.quiet)
    rng = random.Random(options.seed)
    end = DEMO_START + timedelta(days=options.days)
    async with BotApiSandbox(clock=clock, seed=options.seed) as sandbox:
        settings = load_settings(
            bot_token=DEMO_TOKEN,
            database_url=f"sqlite+aiosqlite:///{workdir / 'demo.db'}",
            telegram_api_url=sandbox.base_url,
            telegram_file_url=sandbox.file_url,
            webhook_url=None,
            # A key of its own, for a database that lives as long as the demo.
            encryption_keys=new_key(),
        )
        printer.note(
            f"N1 demo: {options.patients} simulated patients over {options.days} days "
            f"(seed {options.seed}), against the local Bot API sandbox at {sandbox.url}"
        )
        application = build_application(
            settings, clock, token=DEMO_TOKEN, catalogue=load_catalogue()
        )
        async with (
            running_bot(application) as running,
            SandboxClient(sandbox.url, bot_id=DEMO_BOT_ID) as client,
        ):
            patients = [
                DemoPatient(
                    name=_name(index),
                    user=client.user(FIRST_USER_ID + index, first_name=_name(index)),
                    printer=printer,
                    clock=clock,
                    rng=random.Random(rng.random()),
                    started=DEMO_START,
                    away=AWAY if index == 1 and options.days > AWAY[1] + 1 else None,
                )
                for index in range(options.patients)
            ]
            await run_all(patients, end)
            stats = await client.stats()
            report = await _report(options, running, patients, stats, clock.now())
            if options.report is not None:
                await _write_charts(running, report, options.report)
    printer.note(_summary_line(report))
    if options.report is not None:
        options.report.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        printer.note(f"report written to {options.report}")
    return report


def _name(index: int) -> str:
    base = NAMES[index % len(NAMES)]
    return base if index < len(NAMES) else f"{base} {index // len(NAMES) + 1}"


async def _report(
    options: DemoOptions,
    running: Running,
    patients: list[DemoPatient],
    sandbox_stats: dict[str, Any],
    finished_at: datetime,
) -> dict[str, Any]:
    actions: Counter[str] = Counter()
    for patient in patients:
        actions.update(patient.actions)
    async with running.services.session_factory() as session:
        reporting = ReportingRepository(session)
        by_status = await reporting.patients_by_status()
        check_ins = await reporting.check_ins_by_slot()
        answers = await reporting.answer_counts()
        delivery = (await delivery_report(session)).as_dict()
        summaries = await WeeklySummaryRepository(session).all()
        names = await _names(session, patients)
    return {
        "n1_version": version("n1"),
        "options": {"patients": options.patients, "days": options.days, "seed": options.seed},
        "simulated": {"from": DEMO_START.isoformat(), "to": finished_at.isoformat()},
        "patients": {"simulated": len(patients), "by_status": by_status},
        "check_ins": {
            "opened_by_slot": check_ins,
            "opened": sum(check_ins.values()),
            **answers,
        },
        "messages": {
            "from_n1_by_kind": dict(sorted(running.sent_by_kind.items())),
            "from_n1_total": sum(running.sent_by_kind.values()),
            "from_patients_by_kind": dict(sorted(actions.items())),
            "left_without_reply": sum(patient.unanswered for patient in patients),
        },
        "delivery": delivery,
        "weekly_summaries": [
            {
                "patient": names.get(summary.patient_id, str(summary.patient_id)),
                "patient_id": summary.patient_id,
                "week_start": summary.week_start.isoformat(),
                "text": summary.text,
            }
            for summary in summaries
        ],
        "sandbox": {
            "delivered": sandbox_stats["delivered"],
            "api_calls": sandbox_stats["calls"],
            "http_statuses": sandbox_stats["statuses"],
        },
    }


async def _names(session: AsyncSession, patients: list[DemoPatient]) -> dict[int, str]:
    """Patient id -> the demo's name for them."""
    repository = PatientRepository(session)
    names: dict[int, str] = {}
    for patient in patients:
        stored = await repository.get_by_telegram_id(patient.user.id)
        if stored is not None:
            names[stored.id] = patient.name
    return names


async def _write_charts(running: Running, report: dict[str, Any], path: Path) -> None:
    """Each weekly summary's chart as a PNG next to the report, named in the report."""
    charts = SummaryCharts(running.services.session_factory)
    for entry in report["weekly_summaries"]:
        week_end = date.fromisoformat(entry["week_start"]) + timedelta(days=6)
        png = await charts.draw(chart_reference(entry["patient_id"], week_end))
        chart_file = path.with_name(
            f"{path.stem}-chart-{entry['patient'].replace(' ', '-')}-{entry['week_start']}.png"
        )
        chart_file.write_bytes(png)
        entry["chart_file"] = chart_file.name


def _summary_line(report: dict[str, Any]) -> str:
    messages = report["messages"]
    check_ins = report["check_ins"]
    active = report["patients"]["by_status"].get("active", 0)
    return (
        f"demo finished: {active} patients set up, {check_ins['opened']} check-ins opened, "
        f"{check_ins['check_ins_answered']} answered, "
        f"{messages['from_n1_total']} messages from N1, "
        f"{messages['left_without_reply']} left without a reply"
    )
