"""Applying one preference from a tap or typed text; shared by onboarding and /settings.

Each function works inside the caller's transaction and returns the updated patient once
the step's value is set, or None when the input was not usable: then it has added a kind
prompt (or an in-place edit) to the reaction instead.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from core.checkin_items import chosen_days
from core.conversation import PickingDays
from core.domain import Patient
from core.journey import (
    MAX_ACTIVITIES,
    MAX_ACTIVITY_LENGTH,
    Step,
    clean_words,
    zone_from_token,
)
from core.store.repositories import ActivityRepository, PatientRepository
from messages import journey
from messages.when import describe_days
from scheduler.planning import find_zones, parse_weekdays
from scheduler.time_input import format_time_of_day, parse_time_of_day
from scheduler.weekdays import EVERY_DAY, WEEKDAYS
from scheduler.zone_search import exact_zones
from usecases.reaction import Reaction

_QUIET_SPLIT = re.compile(r"\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*", re.IGNORECASE)
_PRESET_DAYS = {"daily": EVERY_DAY, "weekdays": WEEKDAYS}


class Mode(StrEnum):
    """Whether a step is part of onboarding or a change from /settings."""

    ONBOARDING = "onboarding"
    SETTINGS = "settings"


def parse_quiet_hours(text: str) -> tuple[str, str] | None:
    """'22:00 to 07:00', '10pm-7am' -> ('22:00', '07:00'); None when not understood."""
    parts = _QUIET_SPLIT.split(text.strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    start, end = parse_time_of_day(parts[0]), parse_time_of_day(parts[1])
    if start is None or end is None or start == end:
        return None
    return format_time_of_day(start), format_time_of_day(end)


def _time_from_token(token: str) -> str | None:
    if len(token) != 4 or not token.isdigit():
        return None
    parsed = parse_time_of_day(f"{token[:2]}:{token[2:]}")
    return None if parsed is None else format_time_of_day(parsed)


async def _set_time(
    patients: PatientRepository, patient: Patient, step: Step, hhmm: str, now: datetime
) -> Patient | None:
    if step is Step.TIME:
        return await patients.update_preferences(patient.id, now=now, checkin_time=hhmm)
    return await patients.update_preferences(patient.id, now=now, summary_time=hhmm)


async def apply_choice(
    session: AsyncSession,
    patient: Patient,
    step: Step,
    token: str,
    now: datetime,
    reaction: Reaction,
) -> Patient | None:
    """Apply a tapped option for `step` (not consent, which only onboarding has)."""
    patients = PatientRepository(session)
    match step:
        case Step.ZONE:
            zone = zone_from_token(token)
            if zone is not None:
                return await patients.update_preferences(patient.id, now=now, time_zone=zone)
            reaction.send("prompt", journey.zone_prompt())
        case Step.DAYS:
            return await _days_choice(patients, patient, token, now, reaction)
        case Step.TIME | Step.SUMMARY_TIME:
            hhmm = _time_from_token(token)
            if hhmm is not None:
                return await _set_time(patients, patient, step, hhmm, now)
            reaction.send("prompt", journey.time_prompt(step))
        case Step.SUMMARY_DAY:
            if token.isdigit() and int(token) <= 6:
                return await patients.update_preferences(
                    patient.id, now=now, summary_weekday=int(token)
                )
            reaction.send("prompt", journey.summary_day_prompt())
        case Step.QUIET:
            if token == "keep":
                return patient
            reaction.send("prompt", journey.QUIET_TYPING)
        case Step.ACTIVITIES:
            if token != "done":
                return None
            if await ActivityRepository(session).labels(patient.id):
                return patient
            reaction.send("prompt", journey.NEED_ONE_ACTIVITY)
        case Step.CONSENT:
            raise ValueError("consent is decided by onboarding, not here")
    return None


async def _days_choice(
    patients: PatientRepository, patient: Patient, token: str, now: datetime, reaction: Reaction
) -> Patient | None:
    if token in _PRESET_DAYS:
        return await patients.update_preferences(
            patient.id, now=now, checkin_days=_PRESET_DAYS[token]
        )
    if token == "pick":
        # Start from nothing ticked; the old days stay until Done is tapped with some.
        await patients.set_awaiting(patient.id, PickingDays(0), now)
        reaction.edit = journey.days_pick_prompt(0)
        return None
    picked = patient.awaiting.mask if isinstance(patient.awaiting, PickingDays) else 0
    if token == "done":
        if picked:
            await patients.set_awaiting(patient.id, None, now)
            return await patients.update_preferences(patient.id, now=now, checkin_days=picked)
        reaction.answer = journey.NO_DAYS_CHOSEN
        return None
    if len(token) == 2 and token[0] == "t" and token[1] in "0123456":
        picked ^= 1 << int(token[1])
        await patients.set_awaiting(patient.id, PickingDays(picked), now)
        reaction.edit = journey.days_pick_prompt(picked)
        reaction.answer = describe_days(picked) if picked else journey.NO_DAYS_CHOSEN
        return None
    reaction.send("prompt", journey.days_prompt())
    return None


async def apply_text(
    session: AsyncSession,
    patient: Patient,
    step: Step,
    text: str,
    now: datetime,
    mode: Mode,
    reaction: Reaction,
) -> Patient | None:
    """Apply typed text for `step`: a city, days, a time, quiet hours or activities."""
    patients = PatientRepository(session)
    match step:
        case Step.ZONE:
            exact = exact_zones(text)
            if len(exact) == 1:
                return await patients.update_preferences(patient.id, now=now, time_zone=exact[0])
            # Anything less than one exact match is offered back to tap, never assumed.
            suggestions = exact or find_zones(text)
            reaction.send(
                "prompt",
                journey.zone_prompt(suggestions) if suggestions else journey.ZONE_NOT_FOUND,
            )
        case Step.DAYS:
            mask = parse_weekdays(text)
            if mask:
                return await patients.update_preferences(patient.id, now=now, checkin_days=mask)
            reaction.send("prompt", journey.days_prompt())
        case Step.TIME | Step.SUMMARY_TIME:
            parsed = parse_time_of_day(text)
            if parsed is not None:
                return await _set_time(patients, patient, step, format_time_of_day(parsed), now)
            reaction.send("prompt", journey.TIME_NOT_UNDERSTOOD)
        case Step.SUMMARY_DAY:
            mask = parse_weekdays(text) or 0
            days = chosen_days(mask)
            if len(days) == 1:
                return await patients.update_preferences(
                    patient.id, now=now, summary_weekday=days[0]
                )
            reaction.send("prompt", journey.summary_day_prompt())
        case Step.QUIET:
            window = parse_quiet_hours(text)
            if window is not None:
                return await patients.update_preferences(
                    patient.id, now=now, quiet_start=window[0], quiet_end=window[1]
                )
            reaction.send("prompt", journey.QUIET_NOT_UNDERSTOOD)
        case Step.ACTIVITIES:
            return await _activities_text(session, patient, text, now, mode, reaction)
        case Step.CONSENT:
            reaction.send("prompt", journey.consent_prompt())
    return None


async def _activities_text(
    session: AsyncSession,
    patient: Patient,
    text: str,
    now: datetime,
    mode: Mode,
    reaction: Reaction,
) -> Patient | None:
    """Onboarding adds one activity per message; /settings replaces them, one per line."""
    lines = text.splitlines() if mode is Mode.SETTINGS else [text]
    labels = [label for label in (clean_words(line) for line in lines) if label]
    if not labels:
        reaction.send("prompt", journey.ACTIVITY_EMPTY)
        return None
    if any(len(label) > MAX_ACTIVITY_LENGTH for label in labels):
        reaction.send("prompt", journey.ACTIVITY_TOO_LONG)
        return None
    activities = ActivityRepository(session)
    if mode is Mode.ONBOARDING:
        labels = [*(await activities.labels(patient.id)).values(), *labels]
    labels = labels[:MAX_ACTIVITIES]
    await activities.replace(patient.id, labels, now)
    if mode is Mode.ONBOARDING and len(labels) < MAX_ACTIVITIES:
        reaction.send("prompt", journey.activities_prompt(labels))
        return None
    return patient
