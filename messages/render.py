"""Filling a message's `{placeholders}`, strictly.

Placeholders are plain names in braces (`{days}`); `{{` and `}}` stand for literal braces. No
attribute access, indexing, conversions or format specs: a clinic's override text is filled
in with people's data, so it must not be able to reach anything but the values given.
"""

from __future__ import annotations

import string

from messages.schema import KIND_RULES, Message

_FORMATTER = string.Formatter()


class PlaceholderError(ValueError):
    """A text's placeholders are malformed."""


class RenderError(ValueError):
    """The values given do not fit the message's placeholders."""


def placeholders_in(text: str) -> frozenset[str]:
    """The placeholder names a text uses; raises `PlaceholderError` if its braces are wrong."""
    names: set[str] = set()
    try:
        parsed = list(_FORMATTER.parse(text))
    except ValueError as error:
        # str.format's own wording ("Single '}' encountered in format string") is clear enough.
        raise PlaceholderError(f"its braces are malformed ({error})") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            shown = "{" + field + (f"!{conversion}" if conversion else "")
            shown += (f":{spec}" if spec else "") + "}"
            raise PlaceholderError(
                f"{shown} is not a plain placeholder; use a name in braces, like {{days}}"
            )
        names.add(field)
    return frozenset(names)


def fill(text: str, values: dict[str, str | int]) -> str:
    """`text` with each placeholder replaced by its value (every placeholder must have one)."""
    parts: list[str] = []
    for literal, field, _spec, _conversion in _FORMATTER.parse(text):
        parts.append(literal)
        if field is not None:
            if field not in values:
                raise RenderError(f"no value given for {{{field}}}")
            # The value is inserted as-is and never parsed again, so braces in a value
            # (a clinician's own words, say) stay literal.
            parts.append(str(values[field]))
    return "".join(parts)


def render(message: Message, **values: str | int) -> str:
    """The message's text with its placeholders filled.

    Strict both ways: every placeholder the text uses needs a value, and every value must be
    a placeholder the message's kind allows (so a misspelt name fails loudly instead of being
    ignored). Values a kind allows but this variant does not use are fine: callers pass the
    same values whichever variant was chosen.
    """
    allowed = KIND_RULES[message.kind].placeholders
    unknown = sorted(set(values) - allowed)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        raise RenderError(f"{message.kind} messages have no placeholder {names}")
    try:
        return fill(message.text, values)
    except RenderError as error:
        raise RenderError(f"{message.id}: {error}") from None


def count_phrase(count: int, singular: str, plural: str | None = None) -> str:
    """A number with its unit, agreeing: `count_phrase(1, "day")` is "1 day", else "3 days"."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{count} {word}"
