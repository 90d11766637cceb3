"""The tone checker itself: it catches every banned pattern, and lets kind wording through."""

from __future__ import annotations

import pytest

from messages.tone import (
    BANNED,
    MIN_WORDS_FOR_GRADE,
    READING_GRADE_CEILING,
    banned_phrases_in,
    check_tone,
    long_words_in,
    reading_grade,
)

# Each text must be caught, and the phrase reported as it is written in the text.
CAUGHT = [
    ("You should rest more.", "should"),
    ("You shouldn't worry.", "shouldn't"),
    ("You ought to try it.", "ought to"),
    ("You must check in daily.", "must"),
    ("You need to get stronger.", "You need to"),
    ("Your back has to be stronger.", "has to be stronger"),
    ("You have to keep going.", "You have to"),
    ("Keep your streak alive!", "streak"),
    ("Five days in a row!", "in a row"),
    ("Don't break the chain.", "break the chain"),
    ("A perfect week of check-ins!", "perfect week"),
    ("You missed 3 days.", "missed"),
    ("You've been missing check-ins.", "missing check-ins"),
    ("Since you last checked in, a lot has changed.", "Since you last"),
    ("Where have you been?", "Where have you been"),
    ("Time to catch up.", "catch up"),
    ("You're falling behind.", "falling behind"),
    ("You only checked in twice.", "only checked"),
    ("You failed to answer.", "failed"),
    ("That was a failure.", "failure"),
    ("It's your fault.", "fault"),
    ("You're to blame for this.", "blame"),
    ("Feeling guilty?", "guilty"),
    ("We're disappointed.", "disappointed"),
    ("No excuses today.", "excuses"),
    ("Don't be lazy.", "lazy"),
    ("Don't give up now.", "Don't give up"),
    ("Quitting is easy.", "Quitting"),
    ("Push through the pain.", "Push through"),
    ("No pain, no gain.", "No pain, no gain"),
    ("Try harder next week.", "Try harder"),
    ("Your adherence has dropped.", "adherence"),
    ("This could damage your back.", "damage"),
    ("It's just wear and tear.", "wear and tear"),
    ("You did better than most people.", "than most people"),
    ("You are below average.", "below average"),
    ("You SHOULD rest.", "SHOULD"),
    ("You shouldn’t worry.", "shouldn't"),  # a curly apostrophe hides nothing
]

ALLOWED = [
    "It's not your fault.",
    "Pain lingering isn't your fault.",
    "Flare-ups are normal and aren't failure.",
    "A flare-up is not a sign of failure.",
    "No one is to blame.",
    "Rest if you need to.",
    "Rest when you need to, and be kind to yourself.",
    "You don't have to do it all today.",
    "There's nothing you have to do today.",
    "That's quite a lot of walking.",
    "Shoulders can feel stiff in the morning.",
    "A mustard-yellow jumper.",
    "You're not the only one who finds mornings hard.",
    "Welcome back. It's good to hear from you.",
]


@pytest.mark.parametrize(("text", "phrase"), CAUGHT)
def test_the_checker_catches_a_banned_phrase(text: str, phrase: str) -> None:
    assert phrase in banned_phrases_in(text)
    assert check_tone(text)


def test_every_banned_pattern_has_an_example_that_it_catches() -> None:
    for banned in BANNED:
        assert any(banned.regex.search(text) for text, _phrase in CAUGHT), banned.pattern


@pytest.mark.parametrize("text", ALLOWED)
def test_kind_wording_is_not_flagged(text: str) -> None:
    assert banned_phrases_in(text) == []


def test_a_blaming_word_far_from_the_negation_is_still_caught() -> None:
    assert banned_phrases_in("This is not fine, and it's your fault.") == ["fault"]


def test_phrases_come_back_in_the_order_they_appear() -> None:
    assert banned_phrases_in("Don't break your streak. You should push through.") == [
        "streak",
        "should",
        "push through",
    ]


def test_plain_text_reads_below_the_ceiling() -> None:
    text = "Thanks for checking in today. Every answer helps you see your own progress."
    assert reading_grade(text) <= READING_GRADE_CEILING
    assert check_tone(text) == []


def test_hard_text_reads_above_the_ceiling() -> None:
    text = (
        "Notwithstanding considerable physiological variability, consistent participation "
        "facilitates individualised longitudinal interpretation of musculoskeletal outcomes."
    )
    assert reading_grade(text) > READING_GRADE_CEILING
    [problem] = check_tone(text)
    assert "grade" in problem


def test_a_short_text_is_held_to_short_words_not_a_grade() -> None:
    # Two words, four syllables: a "grade" of about 9, for a greeting anyone can read.
    assert reading_grade("Hello again.") > READING_GRADE_CEILING
    assert MIN_WORDS_FOR_GRADE > 2
    assert check_tone("Hello again.") == []
    assert long_words_in("Your individual appointment.") == ["individual"]
    [problem] = check_tone("Your individual appointment.")
    assert "individual" in problem


def test_check_tone_reports_every_problem_as_a_sentence() -> None:
    problems = check_tone("You should keep your streak.")
    assert len(problems) == 2
    assert all(problem.endswith(".") for problem in problems)
    assert "'should'" in problems[0]
    assert "'streak'" in problems[1]


def test_empty_text_has_grade_zero() -> None:
    assert reading_grade("   ") == 0.0
