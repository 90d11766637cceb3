"""Telegram's HTML parse mode: plain text plus entities, with Telegram's parse errors.

Only HTML is parsed (it is what N1 uses). Markdown and MarkdownV2 are accepted and the text is
kept as sent, so lengths are counted on the raw text for those modes.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from sandbox.errors import UNSUPPORTED_PARSE_MODE, ApiError, bad_request

PARSE_MODES = {"html", "markdown", "markdownv2"}

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
}
_ALL_TAGS = {*_SIMPLE_TAGS, "a", "span", "tg-emoji"}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _parse_error(detail: str) -> ApiError:
    return bad_request(f"Bad Request: can't parse entities: {detail}")


class _TelegramHtml(HTMLParser):
    """Collects text and entities; raises ApiError on what Telegram would refuse."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self._source = source
        self._line_starts = [0]
        for index, char in enumerate(source):
            if char == "\n":
                self._line_starts.append(index + 1)
        self.parts: list[str] = []
        self.length = 0  # UTF-16 units emitted so far
        self.entities: list[dict[str, Any]] = []
        self._open: list[tuple[str, int, dict[str, Any]]] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        char_offset = self._line_starts[line - 1] + column
        return len(self._source[:char_offset].encode())

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALL_TAGS:
            raise _parse_error(
                f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}'
            )
        attributes = dict(attrs)
        entity: dict[str, Any] = {}
        if tag in _SIMPLE_TAGS:
            entity["type"] = _SIMPLE_TAGS[tag]
            if tag == "blockquote" and "expandable" in attributes:
                entity["type"] = "expandable_blockquote"
            if tag == "code" and self._open and self._open[-1][0] == "pre":
                language = (attributes.get("class") or "").removeprefix("language-")
                if language:
                    self._open[-1][2]["language"] = language
                entity = {}  # code inside pre only names the language
        elif tag == "a":
            href = attributes.get("href") or ""
            entity = {"type": "text_link", "url": href}
        elif tag == "span":
            if attributes.get("class") != "tg-spoiler":
                raise _parse_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {self._byte_offset()}'
                )
            entity["type"] = "spoiler"
        elif tag == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": attributes.get("emoji-id", "")}
        self._open.append((tag, self.length, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            expected = f'"</{self._open[-1][0]}>"' if self._open else "no end tag"
            raise _parse_error(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'expected {expected}, found "</{tag}>"'
            )
        _, start, entity = self._open.pop()
        if entity and self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def finish(self) -> tuple[str, list[dict[str, Any]]]:
        self.close()
        if self._open:
            raise _parse_error(
                f'Can\'t find end tag corresponding to start tag "{self._open[-1][0]}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def check_parse_mode(parse_mode: str | None) -> None:
    """Refuse parse modes Telegram does not know."""
    if parse_mode and parse_mode.lower() not in PARSE_MODES:
        raise bad_request(UNSUPPORTED_PARSE_MODE)


def render(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The text a user sees and its entities, for `parse_mode` (None, HTML or Markdown)."""
    check_parse_mode(parse_mode)
    if parse_mode and parse_mode.lower() == "html":
        parser = _TelegramHtml(text)
        parser.feed(text)
        return parser.finish()
    return text, []
