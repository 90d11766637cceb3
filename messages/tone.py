"""Tone checks for anything N1 says: banned phrases and a readability ceiling.

N1's tone: never blame, never "should", never streaks or missed days; flare-ups and
rest are normal; plain English at a reading age of about 9 to 11. These functions work on any
rendered text, so the weekly summary composer can check what it puts together too.

Readability is measured with textstat's Flesch-Kincaid grade (a US school grade). A UK reading
age is roughly the US grade plus 5, so reading age 9 to 11 is grade 4 to 6: the ceiling is
grade 6.0 for every text. Flesch-Kincaid rather than Flesch reading ease because it is stated
in school years, which is how the brief is stated. It is noisy on a one-line text (one long word
can lift it), which is a fair prompt to choose the shorter word; on a few words it means nothing,
so texts under 8 words are held to words of at most 3 syllables instead.

textstat must be a release that ships its word list (0.7.5 to 0.7.9): later ones fetch the
list from the internet at first use, which a server without internet access cannot do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

# Reading age 11 is the top of "about 9 to 11": US grade 6 (see above).
READING_GRADE_CEILING = 6.0
# A grade means nothing on a few words ("Hello again." scores 8.8: two words, four
# syllables), so texts shorter than this are held to short words instead.
MIN_WORDS_FOR_GRADE = 8
MAX_SYLLABLES_IN_SHORT_TEXT = 3

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")

# Words that undo a blaming word when they come just before it: "not your fault",
# "flare-ups aren't failure", "no one is to blame".
_NEGATION_BEFORE = re.compile(
    r"\b(?:not|no|never|nobody'?s?|no one'?s?|isn't|aren't|wasn't|weren't|doesn't|don't)"
    r"(?:\s+(?:a|an|any|your|you|to|is|are|at|all|sign|of|signs))*\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BannedPattern:
    """A phrase N1 never uses, and why (the reason is shown to whoever wrote it)."""

    pattern: str
    reason: str
    # True when a negation just before it makes it fine ("not your fault").
    negatable: bool = False

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled pattern, on word boundaries, case-insensitive."""
        return _compiled(self.pattern)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


BANNED: tuple[BannedPattern, ...] = (
    BannedPattern(r"should(?:n't| not)?|ought to", "'should' sounds like a telling-off"),
    # "if/when you need to", "nothing you have to do" are kind permission, not orders.
    BannedPattern(
        r"must(?:n't| not)?|you've got to"
        r"|(?<!if )(?<!when )(?<!as )(?<!nothing )you (?:have|need) to",
        "no orders: N1 invites",
    ),
    BannedPattern(
        r"(?:need|needs|have|has|got) to (?:get|be) stronger|not strong enough",
        "strength is not the only path to feeling better",
    ),
    BannedPattern(
        r"streaks?|in a row|break the chain|perfect (?:week|record|attendance)",
        "N1 never counts streaks",
    ),
    BannedPattern(
        r"missed|missing (?:a |any |some )?(?:days?|check-?ins?)", "N1 never mentions missed days"
    ),
    BannedPattern(
        r"since you last|haven't heard from you|where have you been|you forgot"
        r"|forgot to|catch(?:ing)? up|fall(?:ing|en)? behind|behind on",
        "a return is greeted with 'welcome back', not with the gap",
    ),
    BannedPattern(
        r"only (?:\d+|two|three|once|twice|managed|checked|did)",
        "'only' belittles what the person did",
    ),
    BannedPattern(
        r"fail(?:ed|s|ing|ure|ures)?", "rest and flare-ups are never failure", negatable=True
    ),
    BannedPattern(r"fault", "blame: say 'not your fault' or nothing", negatable=True),
    BannedPattern(r"blam(?:e|ed|es|ing)", "N1 never blames", negatable=True),
    BannedPattern(r"guilt(?:y)?|ashamed|shame(?:ful)?", "no guilt framing", negatable=True),
    BannedPattern(r"disappoint(?:ed|ing|ment)?|let (?:yourself|us|me) down", "no guilt framing"),
    BannedPattern(r"excuses?", "no blame ('no excuses')"),
    BannedPattern(r"lazy|laziness|slack(?:ing|er)?|weak-willed|give in", "no blame"),
    BannedPattern(
        r"(?:don't|do not|never) give up|giving up|quit(?:ting)?", "implies stopping is failure"
    ),
    BannedPattern(
        r"push(?:ing)? through|power(?:ing)? through|no pain,? no gain"
        r"|try harder|work harder|do better|tough it out",
        "pacing is progress; no pushing through",
    ),
    BannedPattern(r"non-?complian\w*|complian\w*|adheren\w*", "clinical blame words"),
    BannedPattern(
        r"damag\w*|harm|wear and tear|crumbling|degenerat\w*",
        "threat words raise worry about moving",
    ),
    BannedPattern(
        r"than (?:other people|others|most people|everyone|average)"
        r"|on average|(?:below|above) average|normal range",
        "N1 compares a person only with their own earlier weeks",
    ),
)


def _negated(text: str, start: int) -> bool:
    # Look only a few words back: the negation must belong to this phrase.
    return _NEGATION_BEFORE.search(text[max(0, start - 30) : start]) is not None


def _normalise(text: str) -> str:
    # Curly apostrophes would otherwise hide "shouldn’t" from the patterns.
    return text.replace("\u2019", "'").replace("\u2018", "'")


def banned_phrases_in(text: str) -> list[str]:
    """The banned phrases `text` uses, as written in it, in order of appearance."""
    text = _normalise(text)
    found: list[tuple[int, str]] = []
    for banned in BANNED:
        for match in banned.regex.finditer(text):
            if banned.negatable and _negated(text, match.start()):
                continue
            found.append((match.start(), match.group(0)))
    return [phrase for _start, phrase in sorted(found)]


def _reason_for(phrase: str) -> str:
    for banned in BANNED:
        if banned.regex.fullmatch(phrase):
            return banned.reason
    return "banned"


@cache
def _textstat() -> Any:
    # Imported on first use: importing N1 loads nothing (tests/architecture), and textstat
    # reads its pronouncing dictionary lazily anyway.
    from textstat.textstat import textstatistics  # type: ignore[import-untyped]

    # An instance of our own, so setting British English does not change textstat for others.
    stats = textstatistics()
    stats.set_lang("en_GB")
    return stats


def reading_grade(text: str) -> float:
    """The Flesch-Kincaid grade of `text` (US school years; UK reading age is about +5)."""
    if not text.strip():
        return 0.0
    return float(_textstat().flesch_kincaid_grade(_normalise(text)))


def long_words_in(text: str, *, longest: int = MAX_SYLLABLES_IN_SHORT_TEXT) -> list[str]:
    """The words in `text` with more than `longest` syllables, in order."""
    stats = _textstat()
    return [w for w in _WORD.findall(_normalise(text)) if stats.syllable_count(w) > longest]


def check_tone(text: str, *, ceiling: float = READING_GRADE_CEILING) -> list[str]:
    """Everything wrong with the tone of `text`, each as a plain sentence; empty if all is well.

    Banned phrases always count. Texts of `MIN_WORDS_FOR_GRADE` words or more must read at
    `ceiling` or below; shorter ones, where the grade means nothing, must not use a word of
    more than `MAX_SYLLABLES_IN_SHORT_TEXT` syllables.
    """
    problems = [
        f"It uses '{phrase}', which N1 never says ({_reason_for(phrase)})."
        for phrase in banned_phrases_in(text)
    ]
    if len(_WORD.findall(text)) >= MIN_WORDS_FOR_GRADE:
        # Compared at the precision it is shown at, so "6.0 is above 6.0" never appears.
        grade = round(reading_grade(text), 1)
        if grade > ceiling:
            problems.append(
                f"It reads at grade {grade:.1f}, above the ceiling of {ceiling:.1f} "
                "(reading age about 11): use shorter words and sentences."
            )
    else:
        long_words = long_words_in(text)
        if long_words:
            problems.append(
                f"It uses long words ({', '.join(long_words)}): a short text needs short words."
            )
    return problems
