"""Fixed replies around the weekly summary."""

from __future__ import annotations

from datetime import date

FOCUS_SAVED = "Thank you. I'll remind you of that in next week's summary. Go gently."
FOCUS_EMPTY = "That's fine. There's no need to plan anything."


def latest_summary(week_start: date, text: str) -> str:
    """/summary: the latest weekly summary under its week."""
    return f"Your summary for the week of {week_start.day} {week_start:%B}\n\n{text}"
