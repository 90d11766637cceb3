"""Screening free text for signs that need care now, care today, or crisis support.

N1 never diagnoses, counsels or scores risk: a match only means "show the fixed signposting
message". The rules lean towards matching: a needless signpost costs a moment, a missed one
could cost far more. Nothing here logs or stores the text it looks at, and nothing here holds
words a person reads (those are in `messages/library/safety.yaml`).

One module per job: `normalise` (text to plain tokens), `textspeak` (abbreviations spelled
out), `vocabulary` (words and phrases to concepts, typos tolerated), `tagging` (a message as
concepts, with negation), `rules` (the named rules clinicians review), `screening` (the
pipeline), `categories` (what a screening found).
"""

from core.safety.categories import Category, Screening
from core.safety.screening import prepare, screen

__all__ = ["Category", "Screening", "prepare", "screen"]
