"""A message as two strings the rules read: its words, and its concepts with negation.

- words: each word in its canonical spelling, figures of speech as `idiom`;
- concepts: each known word or phrase as its concepts (`NUMB`, `SADDLE.BACK` for one that
  means both), other words as they are, and a concept a negator governs marked `~`
  ("no numbness at all" -> `NEG ~NUMB at all`).

Both strings start and end with a space and keep the sentence (`/`) and clause (`|`) marks.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.safety.normalise import CLAUSE, SENTENCE
from core.safety.vocabulary import IDIOM, NEG, NEUTRAL, expand, vocabulary

# Concepts that say who a sentence is about, or are negative already, never negated.
_NOT_NEGATED = frozenset({NEG, "OTHER_PERSON", "NOTEASED", "NOT_EASED_BY_REST"})
# Crisis words are ruled out only by a negator right before them ("not suicidal", "no
# thoughts of self harm"); "I'm not going to kill myself" still signposts.
_NARROW = frozenset({"SUICIDE", "SELFHARM"})
_NARROW_FILLERS = frozenset(
    {"any", "at", "all", "really", "ever", "feeling", "feel", "been", "being", "have", "had",
     "a", "the", "my", "of", "thoughts", "thought", "plans", "urge", "urges", "intention",
     "intentions", "am", "i", "ideas", "about", "wish", "desire", "to"}
)  # fmt: skip
# A negator reaches this many words ahead, again after each concept it negates ("no
# numbness or tingling"), and never past a clause break or a turn in the sentence.
_REACH = 3
_STOPS = frozenset(
    {SENTENCE, CLAUSE, "but", "though", "although", "however", "except", "apart", "yet",
     "because", "so", "now", "then", "just", "still", "whereas", "while", "until", "since",
     "and"}
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tagged:
    """The two views of one message the rules are matched against."""

    words: str
    concepts: str
    # Every word and concept name in the message, for a quick test before the patterns.
    present: frozenset[str]


@dataclass(slots=True)
class _Token:
    word: str
    concepts: frozenset[str]
    # A phrase that looks like a negator but is not one ("no longer", "not sure").
    neutral: bool = False
    negated: bool = False


def _chunks(words: list[str]) -> list[_Token]:
    """Longest phrase first: each idiom, phrase or word with its concepts."""
    vocab = vocabulary()
    result: list[_Token] = []
    position = 0
    while position < len(words):
        for length in range(min(vocab.longest, len(words) - position), 0, -1):
            key = tuple(words[position : position + length])
            if key in vocab.idioms:
                result.append(_Token(IDIOM, frozenset()))
                break
            concepts = vocab.phrases.get(key)
            if concepts is not None:
                result.append(_Token(" ".join(key), concepts, neutral=not concepts))
                break
        else:
            length = 1
            result.append(_Token(words[position], frozenset()))
        position += length
    return result


def _negate(chunks: list[_Token]) -> None:
    """Mark the concepts each negator governs."""
    for index, chunk in enumerate(chunks):
        if NEG not in chunk.concepts:
            continue
        reach, near = _REACH, 0
        for later in chunks[index + 1 :]:
            if later.word in _STOPS or reach == 0:
                break
            reach -= 1
            negatable = later.concepts - _NOT_NEGATED
            if negatable & _NARROW and near > 1:
                break
            if later.word not in _NARROW_FILLERS:
                near += 1
            if negatable:
                later.negated = True
                reach = _REACH


def _concept(chunk: _Token) -> str:
    if chunk.neutral:
        return NEUTRAL
    if not chunk.concepts:
        return chunk.word
    name = ".".join(sorted(chunk.concepts))
    return f"~{name}" if chunk.negated else name


def tag(tokens: list[str]) -> Tagged:
    """The words and concepts of a message's plain tokens."""
    words = expand(tokens)
    chunks = _chunks(words)
    _negate(chunks)
    present = {SENTENCE, *words}
    for chunk in chunks:
        present.update(chunk.concepts)
    return Tagged(
        present=frozenset(present),
        # A sentence mark at the end too, so "I can't go on" ends like any sentence.
        words=f" {' '.join(chunk.word for chunk in chunks)} {SENTENCE} ",
        concepts=f" {' '.join(_concept(chunk) for chunk in chunks)} {SENTENCE} ",
    )
