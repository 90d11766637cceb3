"""Finding an IANA time zone from what a person types: "london", "New York", "Kolkata".

The index is built from the zone database on first use and cached; importing this module does
no work. Sources, all shipped with the zone data:
- `zoneinfo.available_timezones()`: every zone name;
- `tzdata.zi` link lines ("L Asia/Kolkata Asia/Calcutta"), so an old name leads to the current
  zone ("calcutta" finds Asia/Kolkata) and only current names are suggested;
- `zone.tab` and `iso3166.tab`, so a country name finds its zones ("spain", "new zealand").
If the tab files cannot be read, city and full-name search still work.
"""

from __future__ import annotations

import difflib
import importlib.resources
import re
import unicodedata
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

__all__ = ["MAX_SUGGESTIONS", "find_zones", "load_zone", "normalise_place"]

MAX_SUGGESTIONS: Final = 5
# Longer than any place name; refused before any work.
_MAX_INPUT_CHARS: Final = 80
# Partial (substring) matching needs a few letters, or "a" would match half the world.
_MIN_PARTIAL_CHARS: Final = 3
# How close a near miss must be (difflib ratio): "lodnon" vs "london" is 0.83.
_NEAR_MISS_CUTOFF: Final = 0.75

# Zone names that are not places a person lives in.
_EXCLUDED_PREFIXES: Final = ("Etc/", "posix/", "right/", "SystemV/")
# Old area names kept only as links; used when the link table cannot be read.
_LEGACY_AREAS: Final = ("US/", "Canada/", "Brazil/", "Chile/", "Mexico/")

# A few names people type that are not in the zone database. Kept small on purpose: the
# service is UK-based, so the UK nations and largest cities are here, plus countries that
# span several zones (where zone.tab's order would put a small zone first).
_UK: Final = ("Europe/London",)
_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "uk": _UK,
    "gb": _UK,
    "united kingdom": _UK,
    "great britain": _UK,
    "britain": _UK,
    "england": _UK,
    "scotland": _UK,
    "wales": _UK,
    "northern ireland": _UK,
    "bst": _UK,
    "gmt": ("Europe/London", "UTC"),
    "utc": ("UTC",),
    "manchester": _UK,
    "birmingham": _UK,
    "leeds": _UK,
    "liverpool": _UK,
    "glasgow": _UK,
    "edinburgh": _UK,
    "cardiff": _UK,
    "bristol": _UK,
    "ireland": ("Europe/Dublin",),
    "india": ("Asia/Kolkata",),
    "delhi": ("Asia/Kolkata",),
    "new delhi": ("Asia/Kolkata",),
    "mumbai": ("Asia/Kolkata",),
    "nyc": ("America/New_York",),
    "usa": (
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Phoenix",
        "America/Los_Angeles",
    ),
    "canada": (
        "America/Toronto",
        "America/Vancouver",
        "America/Edmonton",
        "America/Winnipeg",
        "America/Halifax",
    ),
    "australia": (
        "Australia/Sydney",
        "Australia/Melbourne",
        "Australia/Brisbane",
        "Australia/Perth",
        "Australia/Adelaide",
    ),
    "nz": ("Pacific/Auckland",),
}
_ALIASES["us"] = _ALIASES["usa"]
_ALIASES["united states"] = _ALIASES["usa"]

_NOT_WORD: Final = re.compile(r"[^0-9a-z]+")


def normalise_place(text: str) -> str:
    """Lowercase ASCII words separated by single spaces: "São_Paulo!" -> "sao paulo".

    Accents are dropped, apostrophes vanish ("St. John's" -> "st johns") and every other
    punctuation mark (including "/", "_" and "-") becomes a space.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    letters = letters.lower().replace("'", "").replace("’", "")
    return _NOT_WORD.sub(" ", letters).strip()


@dataclass
class _Index:
    """Lookup tables from normalised text to current zone names (best first)."""

    zones: frozenset[str]
    full_names: dict[str, str] = field(default_factory=dict)
    cities: dict[str, list[str]] = field(default_factory=dict)
    countries: dict[str, list[str]] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)

    def all_keys(self) -> list[str]:
        return [*self.aliases, *self.full_names, *self.cities, *self.countries]

    def lookup(self, key: str) -> list[str]:
        """Zones for an exact key, trying the most specific kind of name first."""
        if key in self.aliases:
            return self.aliases[key]
        if key in self.full_names:
            return [self.full_names[key]]
        return self.cities.get(key) or self.countries.get(key) or []


def _add(table: dict[str, list[str]], key: str, zone: str) -> None:
    zones = table.setdefault(key, [])
    if zone not in zones:
        zones.append(zone)


def _read_zone_file(name: str) -> str | None:
    """A text file shipped with the zone data (tzdata package first, then the system)."""
    try:
        return importlib.resources.files("tzdata.zoneinfo").joinpath(name).read_text("utf-8")
    except (ModuleNotFoundError, OSError, UnicodeDecodeError):
        pass
    for directory in zoneinfo.TZPATH:
        try:
            return (Path(directory) / name).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
    return None


def _data_lines(text: str | None) -> Iterator[list[str]]:
    """Tab-separated fields of the non-comment lines of a zone data file."""
    for line in (text or "").splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


def _links(available: frozenset[str]) -> dict[str, str]:
    """Old name -> current name, from the "L target link" lines of tzdata.zi."""
    links: dict[str, str] = {}
    for line in (_read_zone_file("tzdata.zi") or "").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "L" and parts[1] in available:
            links[parts[2]] = parts[1]
    return links


def _is_place(name: str) -> bool:
    """A zone name of the form Area/Place that a person might live in."""
    return "/" in name and not name.startswith(_EXCLUDED_PREFIXES)


def _name_keys(name: str) -> Iterable[tuple[str, str]]:
    """("full", "america argentina buenos aires") and ("city", "buenos aires") for a name."""
    yield "full", normalise_place(name)
    parts = name.split("/")
    yield "city", normalise_place(parts[-1])
    if len(parts) > 2:
        # "argentina buenos aires", "indiana indianapolis"
        yield "city", normalise_place(" ".join(parts[1:]))


def _country_names(raw: str) -> Iterable[str]:
    """Keys for an iso3166.tab name: "Britain (UK)" -> "britain uk", "britain"."""
    yield normalise_place(raw)
    without_brackets = re.sub(r"\(.*?\)", " ", raw)
    yield normalise_place(without_brackets)
    # "Korea (South)" is also typed "South Korea".
    inside = re.findall(r"\((.*?)\)", raw)
    if inside:
        yield normalise_place(f"{inside[0]} {without_brackets}")


@cache
def _index() -> _Index:
    """Build the search tables once, on first use."""
    available = frozenset(zoneinfo.available_timezones())
    links = _links(available)
    country_names: dict[str, str] = {}
    for fields in _data_lines(_read_zone_file("iso3166.tab")):
        if len(fields) >= 2:
            country_names[fields[0]] = fields[1]
    # zone.tab names are the ones each country uses today. Some are links to a zone with the
    # same clocks elsewhere (Europe/Busingen -> Europe/Zurich); they are still the right
    # name to show that country, so only links missing from zone.tab are old names.
    country_zones = [
        (fields[0], fields[2])
        for fields in _data_lines(_read_zone_file("zone.tab"))
        if len(fields) >= 3 and fields[2] in available
    ]
    in_zone_tab = {zone for _, zone in country_zones}

    def current(name: str) -> str | None:
        target = name if name in in_zone_tab else links.get(name, name)
        if target not in available or not _is_place(target):
            return None
        if not links and name.startswith(_LEGACY_AREAS):
            return None  # without the link table, old names cannot be mapped: leave them out
        return target

    index = _Index(zones=frozenset(available))
    # Current names first, so their cities rank ahead of what old names add.
    for name in sorted(available, key=lambda n: (current(n) != n, n)):
        target = current(name) if _is_place(name) else None
        if target is None:
            continue
        for kind, key in _name_keys(name):
            if kind == "full":
                index.full_names.setdefault(key, target)
            else:
                _add(index.cities, key, target)

    for code, zone in country_zones:
        target = current(zone)
        if target is None or code not in country_names:
            continue
        for key in _country_names(country_names[code]):
            _add(index.countries, key, target)

    for key, zones in _ALIASES.items():
        usable = [zone for zone in zones if zone in available]
        if usable:
            index.aliases[key] = usable
    return index


def _partial_matches(index: _Index, query: str) -> list[str]:
    """Zones whose name, alias or country contains `query`, best first.

    Ranked by how the key matches (starts with the query, has a word starting with it,
    contains it, then full zone names), then by the zone's place in its key's list so that
    several keys each get their best zone shown ("united": New York, London, Dubai).
    """
    ranked: list[tuple[int, int, int, str, str]] = []
    word_start = re.compile(rf"\b{re.escape(query)}")
    for table in (index.aliases, index.cities, index.countries):
        for key, zones in table.items():
            if key.startswith(query):
                rank = 0
            elif word_start.search(key):
                rank = 1
            elif query in key:
                rank = 2
            else:
                continue
            ranked.extend(
                (rank, position, len(key), key, zone) for position, zone in enumerate(zones)
            )
    for key, zone in index.full_names.items():
        if word_start.search(key):
            ranked.append((3, 0, len(key), key, zone))
    return _unique(zone for *_, zone in sorted(ranked))


def _phrase_matches(index: _Index, query: str) -> list[str]:
    """Exact matches for the words inside a longer input ("paris, france", "leeds uk").

    Longer runs of words are tried first, and zones found by several runs come first.
    """
    words = query.split()
    hits: dict[str, int] = {}
    for size in range(len(words) - 1, 0, -1):
        for first in range(len(words) - size + 1):
            phrase = " ".join(words[first : first + size])
            if len(phrase) < _MIN_PARTIAL_CHARS:
                continue
            for zone in index.lookup(phrase):
                hits[zone] = hits.get(zone, 0) + size
    return _unique(sorted(hits, key=lambda zone: -hits[zone]))


def _unique(zones: Iterable[str]) -> list[str]:
    """First `MAX_SUGGESTIONS` distinct zones, keeping order."""
    seen: list[str] = []
    for zone in zones:
        if zone not in seen:
            seen.append(zone)
            if len(seen) == MAX_SUGGESTIONS:
                break
    return seen


def exact_zones(text: str) -> list[str]:
    """Zones whose city, country, alias or full name is exactly what was typed.

    A single exact match can be taken as the answer; anything found only by `find_zones`'s
    partial or near-miss matching should be offered back as a suggestion to tap.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT_CHARS:
        return []
    query = normalise_place(text)
    return _unique(_index().lookup(query)) if query else []


def find_zones(text: str) -> list[str]:
    """IANA zone names for a typed city, country or zone name, best first (at most 5).

    An exact match gives just that zone ("london" -> ["Europe/London"]); a partial or
    misspelt input gives a short ranked list ("lodnon" -> ["Europe/London"]); anything else
    gives []. Case, accents and punctuation do not matter.
    """
    if not isinstance(text, str) or len(text) > _MAX_INPUT_CHARS:
        return []
    query = normalise_place(text)
    if not query:
        return []
    index = _index()
    exact = index.lookup(query)
    if exact:
        return _unique(exact)
    if len(query) >= _MIN_PARTIAL_CHARS:
        partial = _partial_matches(index, query)
        if partial:
            return partial
        phrase = _phrase_matches(index, query)
        if phrase:
            return phrase
        near = difflib.get_close_matches(
            query, index.all_keys(), n=MAX_SUGGESTIONS, cutoff=_NEAR_MISS_CUTOFF
        )
        return _unique(zone for key in near for zone in index.lookup(key))
    return []


def load_zone(name: str) -> ZoneInfo | None:
    """The zone for an exact IANA name from the database ("Europe/London"), or None.

    Only names listed by `zoneinfo.available_timezones()` are loaded, so paths, empty
    strings and directories ("America") are refused without touching the file system.
    """
    if not isinstance(name, str) or name not in _index().zones:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return None
