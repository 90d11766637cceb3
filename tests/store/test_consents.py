"""ConsentRepository."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.domain import HEALTH_DATA_CONSENT, Consent
from core.store.repositories import ConsentRepository
from tests.store.helpers import NOW, add_patient


async def test_the_latest_decision_is_the_one_that_counts(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    async with session_factory.begin() as session:
        consents = ConsentRepository(session)
        assert await consents.latest(patient.id, HEALTH_DATA_CONSENT) is None
        declined = await consents.record(
            patient_id=patient.id, kind=HEALTH_DATA_CONSENT, version="1", granted=False, now=NOW
        )
        granted = await consents.record(
            patient_id=patient.id,
            kind=HEALTH_DATA_CONSENT,
            version="2",
            granted=True,
            now=NOW + timedelta(minutes=1),
        )
        await consents.record(
            patient_id=patient.id, kind="share_with_clinician", version="1", granted=False, now=NOW
        )
    assert not declined.active
    assert granted == Consent(
        id=granted.id,
        patient_id=patient.id,
        kind=HEALTH_DATA_CONSENT,
        version="2",
        granted=True,
        decided_at=NOW + timedelta(minutes=1),
        withdrawn_at=None,
    )
    assert granted.active
    async with session_factory() as session:
        assert await ConsentRepository(session).latest(patient.id, HEALTH_DATA_CONSENT) == granted


async def test_withdrawing_ends_the_current_consent_once(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    patient = await add_patient(session_factory)
    later = NOW + timedelta(days=3)
    async with session_factory.begin() as session:
        consents = ConsentRepository(session)
        assert await consents.withdraw(patient.id, HEALTH_DATA_CONSENT, later) is None
        await consents.record(
            patient_id=patient.id, kind=HEALTH_DATA_CONSENT, version="1", granted=True, now=NOW
        )
        withdrawn = await consents.withdraw(patient.id, HEALTH_DATA_CONSENT, later)
        assert withdrawn is not None
        assert (withdrawn.withdrawn_at, withdrawn.active) == (later, False)
        assert await consents.withdraw(patient.id, HEALTH_DATA_CONSENT, later) is None
        assert await consents.latest(patient.id, HEALTH_DATA_CONSENT) == withdrawn
