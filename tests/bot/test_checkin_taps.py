"""The one-transaction tap path's less common turns: no consent, a return after a quiet
spell, and an answer tapped again or changed (forged, replayed and late taps are in
test_checkins)."""

from __future__ import annotations

from datetime import timedelta

from core.domain import HEALTH_DATA_CONSENT
from core.store.repositories import (
    CheckInRepository,
    ConsentRepository,
    PatientRepository,
    ScheduleRepository,
)
from messages import checkin_texts
from scheduler.backoff import BackoffLevel
from tests.bot.conftest import RunningN1
from tests.bot.test_concurrent_taps import _label, _people_with_check_ins, _stored


async def test_a_tap_after_consent_was_withdrawn_stores_nothing(n1: RunningN1) -> None:
    ((person, patient, check_in),) = await _people_with_check_ins(n1, 1, first_user=6400)
    async with n1.services.session_factory.begin() as session:
        await ConsentRepository(session).withdraw(patient.id, HEALTH_DATA_CONSENT, n1.clock.now())
    await person.press(await _label(person, 3))
    (answer,) = await person.wait_for_answers(1)
    assert answer.text == checkin_texts.NO_CONSENT_SHORT
    explained = await person.wait_for_messages(2)
    assert explained[-1].text == checkin_texts.NO_CONSENT
    assert await _stored(n1, check_in) == {}


async def test_a_tap_after_a_quiet_spell_is_stored_and_welcomed_back(n1: RunningN1) -> None:
    ((person, patient, check_in),) = await _people_with_check_ins(n1, 1, first_user=6500)
    async with n1.services.session_factory.begin() as session:
        await ScheduleRepository(session).set_backoff_level(patient.id, BackoffLevel.WEEKLY)
    await person.press(await _label(person, 4))
    (answer,) = await person.wait_for_answers(1)
    assert answer.text == checkin_texts.SAVED_SHORT
    await person.wait_for_messages(2)
    assert n1.running.sent_by_kind["welcome_back"] == 1
    assert await _stored(n1, check_in) == {check_in.items[0]: 4}
    async with n1.services.session_factory() as session:
        again = await PatientRepository(session).get(patient.id)
    assert again is not None
    assert again.backoff_level == BackoffLevel.NORMAL
    assert again.last_seen_at == n1.clock.now()


async def test_a_repeated_tap_is_no_change_and_a_new_value_changes_only_the_value(
    n1: RunningN1,
) -> None:
    ((person, _, check_in),) = await _people_with_check_ins(n1, 1, first_user=6600)
    shown = (await person.messages())[0]
    # Buttons of the first question, worth 2 and 4 (as `_label` counts them).
    stiff, free = (shown.button(shown.labels[value - 1]).callback_data for value in (2, 4))
    assert stiff is not None
    assert free is not None
    first_tap = n1.clock.now()

    async def press(data: str, answers: int) -> dict[str, tuple[int | None, object, object]]:
        n1.clock.advance(timedelta(minutes=1))
        await person.press_data(shown.message_id, data)
        await person.wait_for_answers(answers)
        async with n1.services.session_factory() as session:
            stored = await CheckInRepository(session).answers(check_in.id)
        return {a.item: (a.value, a.answered_at, a.changed_at) for a in stored}

    item = check_in.items[0]
    assert await press(stiff, 1) == {item: (2, first_tap + timedelta(minutes=1), None)}
    # The same value again is not a change; another value is, and only the value moves.
    assert await press(stiff, 2) == {item: (2, first_tap + timedelta(minutes=1), None)}
    assert await press(free, 3) == {
        item: (4, first_tap + timedelta(minutes=1), first_tap + timedelta(minutes=3))
    }
