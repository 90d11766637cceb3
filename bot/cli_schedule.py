"""`n1 schedule preview`: the next check-in times, computed exactly as the tick computes them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_errors import fail

if TYPE_CHECKING:
    from scheduler.planning import Slot
    from scheduler.schedules import Plan

# The scheduler is imported inside the command, so `n1 --help` stays quick.
schedule_app = typer.Typer(help="When check-ins happen.", no_args_is_help=True)


def _quiet_hours(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    parts = text.split("-")
    if len(parts) != 2:
        raise fail(f"--quiet {text!r}: expected START-END, e.g. 21:00-08:00")
    return parts[0].strip(), parts[1].strip()


def preview_lines(plan: Plan, slots: list[Slot]) -> list[str]:
    """One line per check-in: its local day, local time and zone, and the same moment in UTC."""
    from scheduler.local_time import describe_occurrence

    lines = []
    for slot in slots:
        local, utc = describe_occurrence(slot.at, plan.zone)
        lines.append(f"{local:<28}  {utc}")
    return lines


@schedule_app.command("preview")
def preview(
    zone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/London.")],
    at: Annotated[str, typer.Option("--time", help="Local check-in time, e.g. 09:00.")],
    days: Annotated[
        str, typer.Option(help="Check-in days: daily, weekdays, weekends, mon,wed,fri ...")
    ] = "daily",
    start: Annotated[
        str | None, typer.Option("--from", help="First local date (YYYY-MM-DD); default today.")
    ] = None,
    count: Annotated[int, typer.Option(min=1, max=1000, help="How many to show.")] = 10,
    quiet: Annotated[
        str | None, typer.Option(help="Quiet hours START-END, e.g. 21:00-08:00 (default none).")
    ] = None,
) -> None:
    """Print the next check-in times in local time and in UTC."""
    from core.clock import SystemClock
    from scheduler.local_time import local_date_of, start_of_local_day
    from scheduler.planning import load_zone, parse_time_of_day, parse_weekdays
    from scheduler.schedules import Plan, preview_checkins

    tz = load_zone(zone)
    if tz is None:
        raise fail(f"--zone {zone!r} is not a known IANA time zone")
    local_time = parse_time_of_day(at)
    if local_time is None:
        raise fail(f"--time {at!r} is not a time of day such as 09:00")
    mask = parse_weekdays(days)
    if mask is None:
        raise fail(f"--days {days!r}: try daily, weekdays, weekends or mon,wed,fri")
    quiet_times = _quiet_hours(quiet)
    quiet_start = quiet_end = None
    if quiet_times is not None:
        quiet_start, quiet_end = (parse_time_of_day(part) for part in quiet_times)
        if quiet_start is None or quiet_end is None:
            raise fail(f"--quiet {quiet!r}: expected two times such as 21:00-08:00")
    try:
        first = date.fromisoformat(start) if start else local_date_of(SystemClock().now(), tz)
    except ValueError:
        raise fail(f"--from {start!r}: expected a date such as 2027-03-25") from None
    plan = Plan(tz, local_time, mask, quiet_start, quiet_end)
    slots = preview_checkins(plan, start_of_local_day(first, tz), count)
    for line in preview_lines(plan, slots):
        typer.echo(line)
