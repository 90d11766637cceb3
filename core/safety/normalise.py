"""Free text to plain tokens: one spelling of each character, lower case, no punctuation.

Sentence ends become the token `/` and commas, dashes and brackets the token `|`, so that
rules can keep to a sentence and negation to a clause. Letters repeated for emphasis
("noooo", "numbbbb") are cut to two; the vocabulary tries one as well.
"""

from __future__ import annotations

import re
import unicodedata

SENTENCE: str = "/"
CLAUSE: str = "|"

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "“": '"', "”": '"'})
# Shorthand written with a slash or a symbol, spelled out before punctuation goes.
_SYMBOLS = (
    (re.compile(r"\bw/o\b"), " without "),
    (re.compile(r"\bw/"), " with "),
    (re.compile(r"[&+]"), " and "),
    # A decimal point is not a sentence end ("38.5"), nor is a score's slash ("8/10").
    (re.compile(r"(?<=\d)[.,](?=\d)"), " "),
    (re.compile(r"(?<=\d)\s*/\s*(?=\d)"), " out of "),
    # A short question answered no is a sign denied: "chest pain? nope" -> "no chest pain".
    (
        # (Each word but the last is followed by one space, so a long run of letters is
        # split one way only: the match takes linear time, whatever is typed.)
        re.compile(
            r"(^|[.!?\n,;]\s*)((?:[a-z']+ ){0,3}[a-z']+) ?\?+\s*(?:no|nope|nah|none|never)\b"
        ),
        r"\1 no \2 . ",
    ),
    # A number and its unit are two words ("5kg", "38c", "3am").
    (re.compile(r"(?<=\d)(?=(?:kgs?|kilos?|lbs?|st|stone|c|f|am|pm|hrs?|days?|weeks?)\b)"), " "),
    # Letters hidden with a star ("su*cide") are read without it.
    (re.compile(r"(?<=[a-z])\*+(?=[a-z])"), ""),
    # Apostrophes inside words go ("can't" -> "cant"); elsewhere they are quotes.
    (re.compile(r"(?<=[a-z])'(?=[a-z])"), ""),
    (re.compile(r"[.!?;:\n\r]+"), f" {SENTENCE} "),
    (re.compile(r"[,()\[\]\"'–—]+|\s-+\s"), f" {CLAUSE} "),
)
_TOKEN = re.compile(rf"[a-z0-9]+|[{SENTENCE}{re.escape(CLAUSE)}]")
_REPEATS = re.compile(r"([a-z])\1{2,}")


def tokens(text: str) -> list[str]:
    """The plain tokens of `text`, with `/` between sentences and `|` between clauses."""
    plain = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    for pattern, replacement in _SYMBOLS:
        plain = pattern.sub(replacement, plain)
    return [_REPEATS.sub(r"\1\1", token) for token in _TOKEN.findall(plain)]
