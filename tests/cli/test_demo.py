"""`n1 demo`: simulated patients set N1 up and answer check-ins; the report counts it."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.demo import DemoOptions, run_demo


async def test_the_demo_onboards_everyone_and_reports_what_happened(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    out = io.StringIO()
    # A week at 8 simulated hours per real second: slow enough for a busy CI machine.
    options = DemoOptions(patients=3, days=8, seed=5, report=report_path, speed=28_800.0)
    report = await run_demo(options, out=out)
    assert json.loads(report_path.read_text(encoding="utf-8")) == report
    assert report["patients"]["by_status"] == {"active": 3}
    assert report["check_ins"]["opened"] >= 3
    assert report["check_ins"]["check_ins_answered"] >= 1
    assert report["messages"]["left_without_reply"] == 0
    assert report["messages"]["from_n1_by_kind"]["consent"] == 3
    assert report["sandbox"]["http_statuses"].keys() == {"200"}
    # A week in: scheduled check-ins went out through the outbox, and Sunday's summaries.
    assert report["delivery"]["checkins_sent"] >= 3
    assert report["delivery"]["failed"] == 0
    assert report["weekly_summaries"]
    for summary in report["weekly_summaries"]:
        assert "streak" not in summary["text"].lower()
        chart = tmp_path / summary["chart_file"]
        assert chart.read_bytes().startswith(b"\x89PNG")
    printed = out.getvalue()
    assert "Ama -> N1: /start" in printed
    assert "N1 -> Ama: Hello, I'm N1." in printed
    assert "demo finished: 3 patients set up" in printed
