"""Repositories: the only code that reads and writes N1's tables.

Each takes the use-case's `AsyncSession`, never commits (the use-case owns the transaction:
`async with session_factory.begin() as session:`), returns `core.domain` values, and takes
every time as a parameter from the injected clock.
"""

from core.store.repositories.activities import ActivityRepository
from core.store.repositories.check_ins import CheckInRepository
from core.store.repositories.consents import ConsentRepository
from core.store.repositories.erasure import ErasureRepository
from core.store.repositories.export import ExportRepository
from core.store.repositories.nudges import NudgeRepository
from core.store.repositories.outbox import OutboxRepository
from core.store.repositories.patients import PatientRepository
from core.store.repositories.progress import ProgressRepository
from core.store.repositories.reporting import ReportingRepository
from core.store.repositories.safety_events import SafetyEventRepository
from core.store.repositories.schedules import ScheduleRepository
from core.store.repositories.sealed_text import SealedTextRepository
from core.store.repositories.security_events import SecurityEventRepository
from core.store.repositories.summaries import MessageLogRepository, WeeklySummaryRepository

__all__ = [
    "ActivityRepository",
    "CheckInRepository",
    "ConsentRepository",
    "ErasureRepository",
    "ExportRepository",
    "MessageLogRepository",
    "NudgeRepository",
    "OutboxRepository",
    "PatientRepository",
    "ProgressRepository",
    "ReportingRepository",
    "SafetyEventRepository",
    "ScheduleRepository",
    "SealedTextRepository",
    "SecurityEventRepository",
    "WeeklySummaryRepository",
]
