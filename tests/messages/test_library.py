"""The shipped library: it loads cleanly, is complete, and every text is kind and plain."""

from __future__ import annotations

import re

import pytest

from core.markers import MARKERS
from messages.catalogue import SAFETY_MUST_MENTION, CatalogueError, check_directory
from messages.render import count_phrase, placeholders_in, render
from messages.schema import (
    CELEBRATED_MARKERS,
    KIND_RULES,
    WEEKLY,
    Context,
    Kind,
    MarkerRule,
    Message,
    SafetySituation,
    sample_values,
)
from messages.tone import READING_GRADE_CEILING, banned_phrases_in, reading_grade
from tests.messages.helpers import shipped

try:
    ALL = list(shipped())
except CatalogueError:
    # Reported, problem by problem, by test_the_shipped_library_has_no_problems.
    ALL = []

# Kinds a person sees weekly or more: each needs a big bank (per marker, for celebrations).
SEEN_WEEKLY = {
    Kind.CHECKIN_ACK,
    Kind.NUDGE,
    Kind.CELEBRATION,
    Kind.NO_CHANGE_SUPPORT,
    Kind.CONSISTENCY,
    Kind.REFRAME_INTRO,
    Kind.NEXT_WEEK_FOCUS,
}


def _rendered(message: Message) -> str:
    return render(message, **sample_values(message.kind, message.marker))


def test_the_shipped_library_has_no_problems() -> None:
    assert [str(problem) for problem in check_directory()] == []


def test_the_library_is_a_good_size() -> None:
    assert len(ALL) > 300
    assert len({message.id for message in ALL}) == len(ALL)


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_messages(kind: Kind) -> None:
    assert shipped().messages(kind)


@pytest.mark.parametrize("kind", sorted(SEEN_WEEKLY))
def test_kinds_seen_weekly_have_at_least_20_variants(kind: Kind) -> None:
    assert KIND_RULES[kind].min_variants == WEEKLY
    markers = CELEBRATED_MARKERS if KIND_RULES[kind].marker is MarkerRule.REQUIRED else (None,)
    for marker in markers:
        assert len(shipped().messages(kind, marker)) >= 20, marker
        # Conditional variants (first weeks, after a flare, evenings) are extra: an ordinary
        # day and a flare-up day each still have a full bank to rotate.
        for context in (Context(), Context(after_flare=True), Context(first_weeks=True)):
            assert len(shipped().messages(kind, marker, context)) >= 20, (marker, context)


@pytest.mark.parametrize("kind", sorted(set(Kind) - SEEN_WEEKLY - {Kind.SAFETY}))
def test_other_kinds_have_at_least_5_variants(kind: Kind) -> None:
    markers = CELEBRATED_MARKERS if KIND_RULES[kind].marker is MarkerRule.REQUIRED else (None,)
    for marker in markers:
        assert len(shipped().messages(kind, marker)) >= 5, marker


def test_celebrations_cover_every_non_pain_marker_and_nothing_else() -> None:
    expected = {m.id for m in MARKERS.values() if not m.is_pain and not m.weekly_only}
    assert set(CELEBRATED_MARKERS) == expected
    assert {m.marker for m in shipped().messages(Kind.CELEBRATION)} == expected
    assert {m.marker for m in shipped().messages(Kind.COHORT_CELEBRATION)} == expected


@pytest.mark.parametrize("message", ALL, ids=lambda message: message.id)
def test_every_text_uses_no_banned_phrase(message: Message) -> None:
    assert banned_phrases_in(_rendered(message)) == []


@pytest.mark.parametrize("message", ALL, ids=lambda message: message.id)
def test_every_text_is_easy_to_read(message: Message) -> None:
    assert reading_grade(_rendered(message)) <= READING_GRADE_CEILING


@pytest.mark.parametrize("message", ALL, ids=lambda message: message.id)
def test_every_text_renders_with_values_for_its_kind(message: Message) -> None:
    text = _rendered(message)
    assert text.strip()
    assert "{" not in text
    assert "}" not in text
    assert placeholders_in(message.text) <= KIND_RULES[message.kind].placeholders


@pytest.mark.parametrize(
    "message", [m for m in ALL if m.kind is Kind.CONSISTENCY], ids=lambda message: message.id
)
def test_consistency_reads_right_for_one_day(message: Message) -> None:
    text = render(message, days=count_phrase(1, "day"))
    assert "1 day" in text
    assert "1 days" not in text


def test_no_message_counts_streaks_or_gaps() -> None:
    # The check the banned list makes, stated directly for the kinds where it matters most.
    for kind in (Kind.WELCOME_BACK, Kind.DOOR_OPEN, Kind.NUDGE, Kind.CHECKIN_ACK):
        for message in shipped().messages(kind):
            assert not re.search(r"\b(streak|missed|in a row)\b", message.text, re.I)
            if kind is not Kind.NUDGE:  # a nudge may say the check-in's time
                # No number at all (N1's own name aside): no count of days away.
                assert not re.search(r"\d", message.text.replace("N1", "")), message.id


def test_next_week_focus_is_always_a_question() -> None:
    for message in shipped().messages(Kind.NEXT_WEEK_FOCUS):
        assert "?" in message.text, message.id


def test_reframe_intro_never_asks_the_question_itself() -> None:
    for message in shipped().messages(Kind.REFRAME_INTRO):
        assert "?" not in message.text, message.id


def test_after_a_flare_there_is_no_upbeat_or_do_more_variant() -> None:
    flare = Context(after_flare=True)
    for kind in (Kind.CHECKIN_ACK, Kind.NEXT_WEEK_FOCUS):
        chosen = {m.id for m in shipped().messages(kind, conditions=flare)}
        upbeat = {m.id for m in shipped().messages(kind) if m.conditions.after_flare is False}
        assert upbeat
        assert not chosen & upbeat


@pytest.mark.parametrize("situation", list(SafetySituation))
def test_safety_text_is_fixed_and_complete(situation: SafetySituation) -> None:
    found = shipped().messages(Kind.SAFETY, conditions=Context(situation=situation))
    assert len(found) == 1
    message = shipped().safety(situation)
    assert message is found[0]
    for needed in SAFETY_MUST_MENTION[situation]:
        assert needed in message.text
    assert "nobody reads these messages as they arrive" in message.text


def test_crisis_text_has_every_number_from_the_design() -> None:
    text = shipped().safety(SafetySituation.CRISIS).text
    for needed in ("999", "NHS 111", "option 2", "Samaritans", "116 123", "SHOUT", "85258"):
        assert needed in text


def test_emergency_text_names_the_signs_and_says_call_999_now() -> None:
    text = shipped().safety(SafetySituation.EMERGENCY).text.lower()
    for needed in ("call 999 or go to a&e now", "genitals", "bladder", "both legs", "chest pain"):
        assert needed in text


def test_urgent_text_names_the_signs_and_says_gp_today_or_nhs_111() -> None:
    text = shipped().safety(SafetySituation.URGENT).text.lower()
    assert "speak to a gp today or call nhs 111" in text
    for needed in ("fever", "hot and shivery", "weight without trying", "worse at night",
                   "lump", "shape of your back", "cancer"):  # fmt: skip
        assert needed in text


def test_a_programme_frame_keeps_the_clinicians_words_as_they_are() -> None:
    body = "Bring {water} & a towel."
    for message in shipped().messages(Kind.PROGRAMME):
        assert body in render(message, body=body, cohort="Tuesday group")
