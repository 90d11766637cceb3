"""Screening free text for red-flag symptoms and crisis language.

N1 never diagnoses or scores risk: a match only means "show the fixed signposting message".
The patterns lean towards matching: a needless signpost costs a moment, a missed one could
cost far more. Nothing here logs or stores the text it looks at.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Concern(StrEnum):
    """What a piece of free text may be signalling."""

    RED_FLAG = "red_flag"
    CRISIS = "crisis"


def _patterns(*expressions: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(expression, re.IGNORECASE) for expression in expressions)


_CRISIS = _patterns(
    r"\b(kill|hurt|harm|cut)(ing)? my ?self\b",
    r"\bsuicid",
    r"\bself[- ]?harm",
    r"\b(end|take) (it all|my (own )?life)\b",
    r"\b(don'?t|do not) want to (be alive|live|be here|wake up)\b",
    r"\b(better off dead|no (point|reason) (in )?(living|to live|going on))\b",
    r"\bwant(ed)? to die\b",
    r"\boverdose\b",
)
_RED_FLAGS = _patterns(
    # Cauda equina: saddle numbness, bladder or bowel change, both legs.
    r"\bnumb\w*\b.{0,40}\b(genital|groin|bottom|buttock|back passage|saddle|privates|anus)",
    r"\b(genital|groin|bottom|buttock|back passage|saddle|privates)\w*\b.{0,40}\b(numb|tingl)",
    r"\b(can'?t|cannot|unable to|trouble|difficulty|problems?) (to )?(pee|wee|urinate)",
    r"\b(los[te]|lost|no) (control of |control over )?(my )?(bladder|bowels?)",
    r"\b(bladder|bowel)s? (control|accident)",
    r"\bwet (myself|the bed)\b",
    r"\b(both|my) legs\b.{0,30}\b(weak|numb|giving way|gave way|collaps)",
    r"\b(weak|numb)\w*\b.{0,30}\bboth legs\b",
    r"\bchest pains?\b",
    r"\b(pain|tight\w*) in my chest\b",
)


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).replace("’", "'")
    return " ".join(folded.split())


def screen(text: str) -> Concern | None:
    """The most urgent concern in `text`, if any (crisis before red flags)."""
    plain = _plain(text)
    if any(pattern.search(plain) for pattern in _CRISIS):
        return Concern.CRISIS
    if any(pattern.search(plain) for pattern in _RED_FLAGS):
        return Concern.RED_FLAG
    return None
