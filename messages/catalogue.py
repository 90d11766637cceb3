"""Loading the message library, checking it, and clinic overrides.

The shipped library is `messages/library/*.yaml`. A clinic may point N1 at a directory of its
own YAML files (N1_MESSAGES_DIR): a message there with an existing id replaces that message,
and a new id adds one. Both go through the same checks. Safety messages are fixed, reviewed
wording and can be neither replaced nor added by a clinic.

Nothing is read when this module is imported; `load_catalogue` reads when called.
Every problem found is reported at once, as a `Problem` naming the file, the message id and
what is wrong in a plain sentence, so `n1 messages check` can print them all.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.markers import MarkerId
from messages.render import PlaceholderError, fill, placeholders_in
from messages.schema import (
    CAPTION_LIMIT,
    CELEBRATED_MARKERS,
    KIND_RULES,
    TEXT_LIMIT,
    Context,
    FileDefaults,
    Kind,
    MarkerRule,
    Message,
    SafetySituation,
    sample_values,
)
from messages.selection import DEFAULT_AVOID_LAST, choose
from messages.tone import check_tone

LIBRARY_DIR = Path(__file__).resolve().parent / "library"

# What each fixed safety text must always say (where to turn, and the numbers to call);
# checked so that an edit to the shipped file cannot drop one.
SAFETY_MUST_MENTION: dict[SafetySituation, tuple[str, ...]] = {
    SafetySituation.EMERGENCY: ("999", "A&E now"),
    SafetySituation.URGENT: ("GP today", "NHS 111"),
    SafetySituation.CRISIS: (
        "999",
        "NHS 111",
        "option 2",
        "Samaritans",
        "116 123",
        "SHOUT",
        "85258",
    ),
}

_FILE_KEYS = frozenset({"defaults", "messages"})
# PyYAML's safe loader, in C (libyaml) where PyYAML was built with it: the library is read at
# every start, and the pure-Python parser takes most of a second over it.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a message file: where, which message (if any), and what."""

    file: Path
    message_id: str | None
    what: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else str(self.file)
        who = f" [{self.message_id}]" if self.message_id else ""
        return f"{where}{who}: {self.what}"


class CatalogueError(ValueError):
    """The library (or a clinic's override directory) has problems; `problems` lists them."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  {problem}" for problem in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(
            f"the message library has {len(self.problems)} problem(s):\n{shown}{tail}"
        )


class Catalogue:
    """The checked messages, looked up by id or by kind, marker and context."""

    def __init__(self, messages: Sequence[Message]) -> None:
        """Index `messages` (already checked: use `load_catalogue` to build one from files)."""
        self._by_id: dict[str, Message] = {message.id: message for message in messages}
        if len(self._by_id) != len(messages):
            raise ValueError("message ids must be unique")
        self._by_kind: dict[Kind, tuple[Message, ...]] = {
            kind: tuple(sorted((m for m in messages if m.kind is kind), key=_message_id))
            for kind in Kind
        }

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Message]:
        return iter(sorted(self._by_id.values(), key=_message_id))

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._by_id

    def get(self, message_id: str) -> Message:
        """The message with this id; raises `KeyError` if there is none."""
        try:
            return self._by_id[message_id]
        except KeyError:
            raise KeyError(f"no message with id {message_id!r}") from None

    def messages(
        self,
        kind: Kind,
        marker: MarkerId | None = None,
        conditions: Context | None = None,
    ) -> tuple[Message, ...]:
        """The messages of `kind` (for `marker`, if given) that fit `conditions`, by id.

        Without `conditions`, every message of the kind is returned whatever its conditions.
        """
        found = self._by_kind[kind]
        if marker is not None:
            found = tuple(m for m in found if m.marker == marker)
        if conditions is not None:
            found = tuple(m for m in found if m.conditions.fits(conditions))
        return found

    def choose(
        self,
        kind: Kind,
        history: Sequence[str],
        rng: random.Random,
        *,
        marker: MarkerId | None = None,
        conditions: Context | None = None,
        avoid_last: int = DEFAULT_AVOID_LAST,
    ) -> Message:
        """A variant of `kind` for a person, avoiding their recent ones (see `selection.choose`).

        `conditions` defaults to a plain `Context()`, so conditional variants (first weeks,
        after a flare-up, ...) are only chosen when the caller says they apply.
        """
        candidates = self.messages(kind, marker, conditions or Context())
        if not candidates:
            raise LookupError(f"no {kind} messages for marker={marker} and {conditions}")
        return choose(candidates, history, rng, avoid_last=avoid_last)

    def safety(self, situation: SafetySituation) -> Message:
        """The fixed safety message for `situation` (the first by id, if there are several)."""
        found = self.messages(Kind.SAFETY, conditions=Context(situation=situation))
        if not found:
            raise LookupError(f"no safety message for {situation}")
        return found[0]


def _message_id(message: Message) -> str:
    return message.id


# ---------------------------------------------------------------------------------------------
# Reading files


@dataclass(frozen=True)
class _Entry:
    """A message and where it was read from."""

    message: Message
    file: Path
    line: int | None


@dataclass
class _Read:
    """What reading some files gave: the messages that parsed, and the problems."""

    entries: list[_Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _item_lines(text: str) -> list[int]:
    """The line of each item of the top-level `messages` list, for pointing at a message."""
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return []
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if (
            isinstance(key, yaml.ScalarNode)
            and key.value == "messages"
            and isinstance(value, yaml.SequenceNode)
        ):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def _yaml_problem(path: Path, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(error, "problem", None) or str(error)
    context = getattr(error, "context", None)
    detail = f"{context}, {reason}" if context else reason
    return Problem(path, None, f"The file is not valid YAML: {detail}.", line)


def _explain(error: ValidationError) -> list[str]:
    """Pydantic's errors as plain sentences."""
    sentences: list[str] = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "message"
        kind = item["type"]
        if kind == "missing":
            sentences.append(f"It has no {where}.")
        elif kind == "extra_forbidden":
            sentences.append(f"'{where}' is not something a message can have.")
        elif kind == "string_pattern_mismatch":
            sentences.append(
                f"Its {where} {item['input']!r} is not a valid id: use lower-case words "
                "joined by dots, like ack.017 or celebrate.sleep.004."
            )
        else:
            # Pydantic says "Input should be 'mon', 'tue' ..."; say it the way N1 talks.
            detail = str(item["msg"]).replace("Input should be", "it must be")
            sentences.append(f"Its {where} {item['input']!r} is not right: {detail}.")
    return sentences


def _read_file(path: Path, *, tone: bool) -> _Read:
    read = _Read()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        read.problems.append(Problem(path, None, f"The file cannot be read: {error}."))
        return read
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        read.problems.append(_yaml_problem(path, error))
        return read
    if data is None:
        read.problems.append(Problem(path, None, "The file is empty."))
        return read
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        read.problems.append(
            Problem(path, None, "The file needs a 'messages:' list (and optionally 'defaults:').")
        )
        return read
    for key in sorted(set(data) - _FILE_KEYS, key=str):
        read.problems.append(
            Problem(path, None, f"'{key}' is not allowed at the top of a message file.")
        )

    defaults: dict[str, Any] = {}
    raw_defaults = data.get("defaults")
    if raw_defaults is not None:
        try:
            FileDefaults.model_validate(raw_defaults)
        except ValidationError as error:
            read.problems.extend(
                Problem(path, None, f"In 'defaults': {sentence}") for sentence in _explain(error)
            )
            return read
        defaults = dict(raw_defaults)

    lines = _item_lines(text)
    for index, raw in enumerate(data["messages"]):
        line = lines[index] if index < len(lines) else None
        if not isinstance(raw, dict):
            read.problems.append(
                Problem(
                    path, None, "Each item under 'messages:' must be a message (id, text).", line
                )
            )
            continue
        raw_id = raw.get("id")
        message_id = raw_id if isinstance(raw_id, str) else None
        try:
            message = Message.model_validate(_with_defaults(raw, defaults))
        except ValidationError as error:
            read.problems.extend(
                Problem(path, message_id, sentence, line) for sentence in _explain(error)
            )
            continue
        read.entries.append(_Entry(message, path, line))
        read.problems.extend(
            Problem(path, message.id, sentence, line)
            for sentence in message_problems(message, tone=tone)
        )
    return read


def _with_defaults(raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    merged = {**defaults, **raw}
    default_conditions = defaults.get("conditions")
    own_conditions = raw.get("conditions")
    if isinstance(default_conditions, dict) and isinstance(own_conditions, dict):
        merged["conditions"] = {**default_conditions, **own_conditions}
    return merged


def _read_directory(directory: Path, *, tone: bool) -> _Read:
    read = _Read()
    if not directory.is_dir():
        read.problems.append(Problem(directory, None, "There is no directory here."))
        return read
    files = sorted(
        path
        for path in directory.iterdir()
        if path.suffix in {".yaml", ".yml"} and not path.name.startswith(".") and path.is_file()
    )
    if not files:
        read.problems.append(Problem(directory, None, "There are no .yaml files here."))
    seen: dict[str, _Entry] = {}
    for path in files:
        one = _read_file(path, tone=tone)
        read.problems.extend(one.problems)
        for entry in one.entries:
            earlier = seen.get(entry.message.id)
            if earlier is not None:
                read.problems.append(
                    Problem(
                        entry.file,
                        entry.message.id,
                        f"The id {entry.message.id} is already used in {_where(earlier)}; "
                        "every id must be unique.",
                        entry.line,
                    )
                )
                continue
            seen[entry.message.id] = entry
            read.entries.append(entry)
    return read


def _where(entry: _Entry) -> str:
    return f"{entry.file.name} line {entry.line}" if entry.line else entry.file.name


# ---------------------------------------------------------------------------------------------
# Checks


def message_problems(message: Message, *, tone: bool = True) -> list[str]:
    """Everything wrong with one message on its own, as plain sentences (its tone too,
    unless `tone` is False)."""
    rule = KIND_RULES[message.kind]
    if not message.text:
        return ["Its text is empty."]
    problems: list[str] = []
    try:
        used = placeholders_in(message.text)
    except PlaceholderError as error:
        return [f"Its text has a placeholder problem: {error}."]

    unknown = sorted(used - rule.placeholders)
    if unknown:
        allowed = ", ".join("{" + name + "}" for name in sorted(rule.placeholders)) or "none"
        problems.append(
            f"It uses {', '.join('{' + name + '}' for name in unknown)}, which {message.kind} "
            f"messages cannot use (they may use: {allowed})."
        )
    missing = sorted(rule.required - used)
    if missing:
        problems.append(
            f"A {message.kind} message must include "
            f"{', '.join('{' + name + '}' for name in missing)}."
        )

    if rule.marker is MarkerRule.REQUIRED:
        markers = ", ".join(CELEBRATED_MARKERS)
        if message.marker is None:
            problems.append(f"A {message.kind} message needs a marker (one of: {markers}).")
        elif message.marker not in CELEBRATED_MARKERS:
            problems.append(
                f"A {message.kind} message is for one of the markers N1 celebrates ({markers}), "
                f"not {message.marker}."
            )
    elif message.marker is not None:
        problems.append(f"A {message.kind} message does not take a marker.")

    if message.kind is Kind.SAFETY and message.conditions.situation is None:
        situations = ", ".join(SafetySituation)
        problems.append(f"A safety message needs conditions.situation (one of: {situations}).")
    if message.kind is not Kind.SAFETY and message.conditions.situation is not None:
        problems.append("Only safety messages have conditions.situation.")

    limit = CAPTION_LIMIT if rule.caption else TEXT_LIMIT
    if len(message.text) > limit:
        why = "it may be a photo caption, which" if rule.caption else "Telegram"
        problems.append(
            f"Its text is {len(message.text)} characters; {why} allows at most {limit}."
        )

    if tone and not unknown:
        rendered = fill(message.text, sample_values(message.kind, message.marker))
        problems.extend(check_tone(rendered))
    return problems


def _normalised(text: str) -> str:
    return " ".join(text.casefold().split())


def _library_problems(entries: Sequence[_Entry], directory: Path) -> list[Problem]:
    """What is wrong with the library as a whole: missing kinds, too few variants, ..."""
    problems: list[Problem] = []
    by_kind: dict[Kind, list[_Entry]] = {kind: [] for kind in Kind}
    for entry in entries:
        by_kind[entry.message.kind].append(entry)

    for kind, found in by_kind.items():
        rule = KIND_RULES[kind]
        if not found:
            problems.append(
                Problem(directory, None, f"There are no {kind} messages; every kind needs one.")
            )
            continue
        groups: dict[str, list[_Entry]] = {}
        if rule.marker is MarkerRule.REQUIRED:
            groups = {
                f"{kind} messages for {marker}": [e for e in found if e.message.marker == marker]
                for marker in CELEBRATED_MARKERS
            }
        elif kind is Kind.SAFETY:
            groups = {
                f"safety messages for {situation}": [
                    e for e in found if e.message.conditions.situation == situation
                ]
                for situation in SafetySituation
            }
        else:
            groups = {f"{kind} messages": found}
        for name, group in groups.items():
            if len(group) < rule.min_variants:
                problems.append(
                    Problem(
                        directory,
                        None,
                        f"There are {len(group)} {name}; N1 needs at least {rule.min_variants} "
                        "so that people do not keep seeing the same few.",
                    )
                )

        seen: dict[tuple[MarkerId | None, str], _Entry] = {}
        for entry in found:
            key = (entry.message.marker, _normalised(entry.message.text))
            if key in seen:
                problems.append(
                    Problem(
                        entry.file,
                        entry.message.id,
                        f"Its text is the same as {seen[key].message.id}'s; each variant needs "
                        "its own words.",
                        entry.line,
                    )
                )
            else:
                seen[key] = entry

    for entry in by_kind[Kind.SAFETY]:
        situation = entry.message.conditions.situation
        if situation is None:
            continue
        absent = [s for s in SAFETY_MUST_MENTION[situation] if s not in entry.message.text]
        if absent:
            problems.append(
                Problem(
                    entry.file,
                    entry.message.id,
                    f"A {situation} safety message must mention {', '.join(absent)}.",
                    entry.line,
                )
            )
    return problems


def _apply_overrides(
    base: list[_Entry], extra: Sequence[_Entry]
) -> tuple[list[_Entry], list[Problem]]:
    """The base entries with the clinic's added or replaced, and what was refused."""
    merged = {entry.message.id: entry for entry in base}
    problems: list[Problem] = []
    for entry in extra:
        message = entry.message
        original = merged.get(message.id)
        refusal: str | None = None
        if original is not None and original.message.kind is Kind.SAFETY:
            refusal = (
                f"{message.id} is a safety message, and safety messages cannot be overridden: "
                "their wording is fixed and reviewed."
            )
        elif message.kind is Kind.SAFETY:
            refusal = "A clinic cannot add safety messages: their wording is fixed and reviewed."
        elif original is not None and original.message.kind is not message.kind:
            refusal = (
                f"It replaces {message.id}, a {original.message.kind} message, with a "
                f"{message.kind} message; a replacement must keep the kind."
            )
        elif (
            original is not None
            and original.message.marker is not None
            and original.message.marker != message.marker
        ):
            refusal = (
                f"It replaces {message.id}, a message for {original.message.marker}, with one "
                f"for {message.marker}; a replacement must keep the marker."
            )
        if refusal is not None:
            problems.append(Problem(entry.file, message.id, refusal, entry.line))
            continue
        merged[message.id] = entry
    return list(merged.values()), problems


def _check(
    extra_dir: Path | None, base_dir: Path | None, *, base_tone: bool
) -> tuple[list[_Entry], list[Problem]]:
    base_dir = base_dir or LIBRARY_DIR
    base = _read_directory(base_dir, tone=base_tone)
    entries, problems = base.entries, list(base.problems)
    # `n1 messages check messages/library` means "check the library", not "override every
    # message with itself" (which would refuse the safety messages).
    if extra_dir is not None and extra_dir.resolve() != base_dir.resolve():
        extra = _read_directory(extra_dir, tone=True)
        problems.extend(extra.problems)
        entries, refused = _apply_overrides(entries, extra.entries)
        problems.extend(refused)
    problems.extend(_library_problems(entries, base_dir))
    return entries, problems


def check_directory(path: Path | None = None, *, base_dir: Path | None = None) -> list[Problem]:
    """Every problem with the library, plus the override directory `path` if given.

    With no `path`, checks the shipped library. With a `path`, checks the clinic's files there
    as overrides on top of the shipped library (the way `load_catalogue` would use them).
    `base_dir` replaces the shipped library (for tests). An empty list means all is well.
    """
    _entries, problems = _check(path, base_dir, base_tone=True)
    return problems


def load_catalogue(extra_dir: Path | None = None, *, base_dir: Path | None = None) -> Catalogue:
    """The checked library, with a clinic's overrides from `extra_dir` if given.

    Raises `CatalogueError` listing every problem if anything is wrong: N1 never starts with
    a message it has not checked. A clinic's files are checked whole; the shipped library's
    tone (readability needs a pronouncing dictionary: about a second and 70 MB at start)
    was checked before it shipped (`n1 messages check`, run by the test suite), so at start
    only its structure is checked again. A `base_dir` in its place is checked whole.
    """
    entries, problems = _check(extra_dir, base_dir, base_tone=base_dir is not None)
    if problems:
        raise CatalogueError(problems)
    return Catalogue([entry.message for entry in entries])
