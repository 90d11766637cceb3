"""The pipeline: plain tokens, the tagged message, every rule that matches."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from core.safety.categories import SIGNPOST_ORDER, Screening
from core.safety.normalise import CLAUSE, SENTENCE, tokens
from core.safety.rules import RULES, Rule, View
from core.safety.tagging import Tagged, tag

_CONCEPT = re.compile(r"(~\?|~)?\b([A-Z][A-Z_]+)\b")
_GAP = re.compile(r"([_*])\{(\d+),(\d+)\}")
_SENTENCE_BREAK = f" {SENTENCE} "


def _concept_regex(match: re.Match[str]) -> str:
    # "~" stays literal; "~?" is already the regex for "negated or not".
    negation, name = match.group(1) or "", match.group(2)
    return rf"{negation}(?:[A-Z_]+\.)*{name}(?:\.[A-Z_]+)*"


def _elements(pattern: str) -> list[str]:
    """`pattern` split at the spaces outside brackets."""
    elements, depth, current = [], 0, ""
    for character in pattern:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == " " and depth == 0:
            elements.append(current)
            current = ""
        else:
            current += character
    return [*elements, current]


def _alternatives(element: str) -> frozenset[str] | None:
    """The words or concepts one of which a message must hold for `element` to match, or
    None when the element is too involved to say (or optional)."""
    if element.endswith("?") or "\\" in element or _GAP.fullmatch(element):
        return None
    plain = element.removeprefix("~?").removeprefix("~")
    if plain.startswith("(") and plain.endswith(")"):
        plain = plain[1:-1]
    if "(" in plain or ")" in plain:
        return None
    return frozenset(word.split()[0].lstrip("~?") for word in plain.split("|"))


def _needs(pattern: str) -> tuple[frozenset[str], ...]:
    """For each element of `pattern` that must match: words or concepts one of which must
    be in the message.

    A cheap test before the regular expression: most patterns need a concept or word that
    most messages do not have, and a set lookup costs far less than a search.
    """
    found = (_alternatives(element) for element in _elements(pattern))
    return tuple(alternatives for alternatives in found if alternatives is not None)


def _compile(pattern: str, view: View) -> re.Pattern[str]:
    parts = [" "]
    for element in _elements(pattern):
        gap = _GAP.fullmatch(element)
        if gap is not None:
            token = r"[^ /]+" if gap.group(1) == "_" else r"\S+"
            parts.append(rf"(?:{token} ){{{gap.group(2)},{gap.group(3)}}}")
            continue
        optional = element.endswith("?")
        source = element[:-1] if optional else element
        if view is View.CONCEPTS:
            source = _CONCEPT.sub(_concept_regex, source)
        parts.append(f"(?:{source} ){'?' if optional else ''}")
    return re.compile("".join(parts))


_PLAIN_NEGATORS = frozenset({"no", "not", "never", "without"})
_NEGATION_REACH = 3


def _negated(text: str, start: int) -> bool:
    """Whether "no", "not" or "never" comes within three words before `start`, in its clause."""
    for word in reversed(text[:start].split()[-_NEGATION_REACH:]):
        if word in (SENTENCE, CLAUSE):
            return False
        if word in _PLAIN_NEGATORS:
            return True
    return False


@dataclass(frozen=True)
class CompiledRule:
    """A rule with its patterns compiled; `matches` says whether a tagged message has it."""

    rule: Rule
    patterns: tuple[tuple[tuple[frozenset[str], ...], re.Pattern[str]], ...]
    unless: tuple[re.Pattern[str], ...]

    def matches(self, tagged: Tagged) -> bool:
        """Whether `tagged` has this rule's sign (and no `unless` in its sentence)."""
        text = tagged.concepts if self.rule.view is View.CONCEPTS else tagged.words
        for needs, pattern in self.patterns:
            if any(one_of.isdisjoint(tagged.present) for one_of in needs):
                continue
            for found in pattern.finditer(text):
                if self.rule.view is View.WORDS and _negated(text, found.start()):
                    continue
                if not self.unless or not self._excused(text, found):
                    return True
        return False

    def _excused(self, text: str, found: re.Match[str]) -> bool:
        """Whether an `unless` concept is in the sentence(s) of the match."""
        start = text.rfind(_SENTENCE_BREAK, 0, found.start() + 1)
        end = text.find(_SENTENCE_BREAK, max(found.end() - 1, 0))
        sentence = text[max(start, 0) : len(text) if end < 0 else end + 1]
        return any(unless.search(sentence) for unless in self.unless)


@cache
def compiled_rules() -> tuple[CompiledRule, ...]:
    """Every rule compiled, once per process."""
    return tuple(
        CompiledRule(
            rule,
            tuple((_needs(pattern), _compile(pattern, rule.view)) for pattern in rule.patterns),
            tuple(_compile(pattern, View.CONCEPTS) for pattern in rule.unless),
        )
        for rule in RULES
    )


def screen(text: str) -> Screening:
    """Which signposting `text` needs: the categories matched and the rules that did."""
    tagged = tag(tokens(text))
    matched = [compiled.rule for compiled in compiled_rules() if compiled.matches(tagged)]
    found = {rule.category for rule in matched}
    return Screening(
        categories=tuple(category for category in SIGNPOST_ORDER if category in found),
        rules=tuple(rule.name for rule in matched),
    )


def prepare() -> None:
    """Build the vocabulary and compile the rules now (about half a second of CPU, once per
    process), so that the first message screened does not wait for them."""
    screen("prepared")
