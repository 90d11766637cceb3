"""Counts of what scheduling and delivery did, for `n1 demo`'s report and for operators.

Counts only: never a text, an answer or a name.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import CheckInSlot, CheckInStatus, OutboxKind, OutboxStatus
from core.store.repositories import ReportingRepository


@dataclass(frozen=True)
class DeliveryReport:
    """What went out through the outbox and what came back."""

    # Outbox messages by outcome (all kinds).
    sent: int
    pending: int
    failed: int
    uncertain: int
    # Scheduled check-ins: delivered, answered (at least one item), missed while N1 was down.
    checkins_sent: int
    checkins_answered: int
    missed_downtime: int
    nudged: int
    summaries_sent: int
    door_open_sent: int
    # kind -> status -> count, for everything in the outbox.
    outbox: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)


async def delivery_report(session: AsyncSession) -> DeliveryReport:
    """Count the outbox and the check-ins (all time)."""
    reporting = ReportingRepository(session)
    outbox = await reporting.outbox_counts()
    check_ins = await reporting.check_in_counts()
    answered = await reporting.answered_check_ins()

    def by_status(status: OutboxStatus) -> int:
        return sum(count for (_, s), count in outbox.items() if s == status.value)

    def sent_of(kind: OutboxKind) -> int:
        return outbox.get((kind.value, OutboxStatus.SENT.value), 0)

    table: dict[str, dict[str, int]] = {}
    for (kind, status), count in sorted(outbox.items()):
        table.setdefault(kind, {})[status] = count
    return DeliveryReport(
        sent=by_status(OutboxStatus.SENT),
        pending=by_status(OutboxStatus.PENDING) + by_status(OutboxStatus.SENDING),
        failed=by_status(OutboxStatus.FAILED),
        uncertain=by_status(OutboxStatus.UNCERTAIN),
        checkins_sent=sent_of(OutboxKind.CHECKIN),
        checkins_answered=answered.get(CheckInSlot.DAILY.value, 0),
        missed_downtime=sum(
            count
            for (_, status), count in check_ins.items()
            if status == CheckInStatus.MISSED_DOWNTIME.value
        ),
        nudged=sent_of(OutboxKind.NUDGE),
        summaries_sent=sent_of(OutboxKind.SUMMARY),
        door_open_sent=sent_of(OutboxKind.DOOR_OPEN),
        outbox=table,
    )
