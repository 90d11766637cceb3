"""Safety screening: each kind of sign is recognised however it is written; negations and
figures of speech are not; a message can need more than one signpost, in a fixed order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.safety import Category, screen
from core.safety.rules import RULES, View
from core.safety.screening import compiled_rules


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("I've had numbness around my bottom since yesterday", "emergency.saddle_numbness"),
        ("numbess round my bum", "emergency.saddle_numbness"),
        ("cant feel anything when i wipe", "emergency.numb_when_wiping"),
        ("havent had a wee since yesterday morning", "emergency.cannot_pass_urine"),
        ("lost control of my bladder this morning", "emergency.bladder_or_bowel_control"),
        ("both legs feel weak and keep giving way", "emergency.both_legs"),
        ("a tight pain in my chest", "emergency.chest_pain"),
        ("can't get an erection since my back went", "emergency.sexual_dysfunction"),
        ("fell off a ladder on Sunday", "emergency.serious_fall_or_accident"),
        ("been shivery all day with the back pain", "urgent.hot_and_shivery"),
        ("I've had a fever for two days", "urgent.fever"),
        ("lost nearly a stone and I'm not dieting", "urgent.unexplained_weight_loss"),
        ("The pain is worse at night and nothing helps", "urgent.night_pain"),
        ("I found a lump on my back", "urgent.lump_or_change_of_shape"),
        ("I had breast cancer five years ago", "urgent.cancer_history"),
        ("some days I don't see a way out", "crisis.euphemism.no_way_out"),
        ("I don't see the point of carrying on", "crisis.no_point"),
        ("everyone would be better off without me", "crisis.burden"),
        ("I just want to go to sleep and not wake up", "crisis.not_waking_up"),
        ("kms", "crisis.suicide"),
        ("i wanna unalive myself", "crisis.suicide"),
        ("I've been stockpiling my tablets", "crisis.plan_or_means"),
        ("tried to have a wee at lunch and nothing came", "emergency.cannot_pass_urine"),
        ("my left foot then my right foot went numb", "emergency.both_legs"),
        ("slipped off a chair, back agony and feel dizzy", "emergency.pain_after_fall"),
        ("temp 38.9 and back aches", "urgent.fever"),
        ("pain 9/10 at night and nothing shifts it", "urgent.pain_not_eased_by_rest"),
        ("had bowel cancer, all clear now, but new back pain", "urgent.cancer_history_new_pain"),
        ("scratched my arms until they bled", "crisis.self_harm.intent"),
        ("it'd be better for all of them if I wasn't here", "crisis.burden"),
        ("thinking about jumping off the bridge", "crisis.plan_or_means"),
    ],
)
def test_each_sign_is_found_by_its_named_rule(text: str, rule: str) -> None:
    screening = screen(text)
    assert rule in screening.rules
    assert screening.primary.value == rule.split(".")[0]


@pytest.mark.parametrize(
    "text",
    [
        "NUMB BUM!!!",
        "numb bum",
        "Numb   bum.",
        "numb “bum”",
        "numbbbb bum",
        "numb bottom",
        "numb butt",
        "numb backside",
    ],
)
def test_case_punctuation_repeats_and_spellings_do_not_matter(text: str) -> None:
    assert screen(text).primary is Category.EMERGENCY


@pytest.mark.parametrize(
    "text",
    [
        "no numbness at all",
        "No numbness or tingling in my groin",
        "no chest pain",
        "I'm not suicidal, just tired of the pain",
        "no problems with my bladder or bowels",
        "this flare is murder",
        "I could murder a cup of tea",
        "dead on my feet",
        "my back is killing me",
        "dying for a cuppa",
        "did chest press at the gym",
        "Lost 5kg on my diet, really pleased",
        "Stiff at night but it eases when I turn over",
        "tripped on the kerb but I was fine",
        "feeling a bit low today",
        "Walked the dog further than last week",
        "Chester was lovely",
        "any numbness? no. bladder trouble? nope",
        "my dad can't pee properly, prostate, he's seeing the GP",
        "bent over to pick up the cat and my back twinged",
        "drove to the bridge for a walk with the dog",
        "",
        "😀" * 50,
    ],
)
def test_negations_figures_of_speech_and_everyday_text_are_left_alone(text: str) -> None:
    assert screen(text).categories == ()
    assert screen(text).primary is Category.NONE


def test_negation_that_is_part_of_the_worry_still_counts() -> None:
    assert screen("I don't see the point of carrying on").primary is Category.CRISIS
    assert screen("I don't want to be alive any more").primary is Category.CRISIS


def test_a_message_with_several_signs_gets_each_category_in_signposting_order() -> None:
    screening = screen("weight dropping without trying, chest pain, and I want to die")
    assert screening.categories == (Category.EMERGENCY, Category.CRISIS, Category.URGENT)
    assert screening.primary is Category.EMERGENCY


def test_a_typo_is_tolerated_only_in_long_words_that_are_not_english_words() -> None:
    assert screen("sucidal thoughts again").primary is Category.CRISIS
    # "single" is one letter from "tingle", but it is a word of its own.
    assert screen("single bum").categories == ()


def test_rule_names_are_unique_and_say_their_category() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule.name.split(".")[0] == rule.category.value
        assert rule.view in View


def test_every_rule_compiles_to_patterns() -> None:
    compiled = compiled_rules()
    assert len(compiled) == len(RULES)
    assert all(rule.patterns for rule in compiled)


@given(st.text(max_size=5000))
def test_any_text_is_screened_without_error(text: str) -> None:
    screening = screen(text)
    assert screening.primary in Category
    assert list(screening.categories) == sorted(
        screening.categories, key=[Category.EMERGENCY, Category.CRISIS, Category.URGENT].index
    )
