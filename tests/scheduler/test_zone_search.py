"""find_zones and load_zone: from what a person types to an IANA zone name."""

from __future__ import annotations

import zoneinfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.zone_search import (
    MAX_SUGGESTIONS,
    exact_zones,
    find_zones,
    load_zone,
    normalise_place,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("new york", ["America/New_York"]),
        ("New York", ["America/New_York"]),
        ("new_york", ["America/New_York"]),
        ("Kolkata", ["Asia/Kolkata"]),
        ("calcutta", ["Asia/Kolkata"]),  # old name, current zone
        ("auckland", ["Pacific/Auckland"]),
        ("europe/london", ["Europe/London"]),
        ("Europe/London", ["Europe/London"]),
        ("london", ["Europe/London"]),
        ("LONDON!", ["Europe/London"]),
        ("buenos aires", ["America/Argentina/Buenos_Aires"]),
        ("America/Buenos_Aires", ["America/Argentina/Buenos_Aires"]),
        ("São Paulo", ["America/Sao_Paulo"]),
        ("st. john's", ["America/St_Johns"]),
        ("kiev", ["Europe/Kyiv"]),
        ("US/Eastern", ["America/New_York"]),
        ("lord howe", ["Australia/Lord_Howe"]),
        # Aliases not in the zone database.
        ("uk", ["Europe/London"]),
        ("UK", ["Europe/London"]),
        ("england", ["Europe/London"]),
        ("manchester", ["Europe/London"]),
        ("india", ["Asia/Kolkata"]),
        ("utc", ["UTC"]),
        # Near misses.
        ("lodnon", ["Europe/London"]),
        ("londn", ["Europe/London"]),
        ("aukland", ["Pacific/Auckland"]),
        ("kolkatta", ["Asia/Kolkata"]),
        # A place with its country.
        ("paris, france", ["Europe/Paris"]),
        ("leeds uk", ["Europe/London"]),
        ("new york city", ["America/New_York"]),
    ],
)
def test_exact_and_near_matches(text: str, expected: list[str]) -> None:
    assert find_zones(text) == expected


@pytest.mark.parametrize(
    ("text", "first", "also"),
    [
        ("usa", "America/New_York", "America/Los_Angeles"),
        ("australia", "Australia/Sydney", "Australia/Perth"),
        ("spain", "Europe/Madrid", "Atlantic/Canary"),
        ("united", "America/New_York", "Europe/London"),
        ("york", "America/New_York", None),
        ("syd", "Australia/Sydney", None),
        ("gmt", "Europe/London", "UTC"),
    ],
)
def test_ambiguous_or_partial_inputs_give_a_short_ranked_list(
    text: str, first: str, also: str | None
) -> None:
    found = find_zones(text)
    assert found[0] == first
    assert 1 <= len(found) <= MAX_SUGGESTIONS
    assert len(set(found)) == len(found)
    if also is not None:
        assert also in found


@pytest.mark.parametrize(
    "text",
    ["", "   ", "!!!", "xyzzy", "asdfghjkl", "qwerty", "a", "zz", "\U0001f30d", "x" * 10_000],
)
def test_nonsense_gives_nothing(text: str) -> None:
    assert find_zones(text) == []


def test_only_real_place_zones_are_suggested() -> None:
    for text in ["america", "europe", "new", "pacific", "indiana", "united", "eastern"]:
        for zone in find_zones(text):
            assert zone in zoneinfo.available_timezones()
            assert not zone.startswith(("Etc/", "US/", "posix/", "right/"))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_find_zones_never_raises_and_stays_short(text: str) -> None:
    found = find_zones(text)
    assert len(found) <= MAX_SUGGESTIONS
    assert all(zone in zoneinfo.available_timezones() for zone in found)


def test_normalise_place() -> None:
    assert normalise_place("  São_Paulo/Brazil! ") == "sao paulo brazil"
    assert normalise_place("St. John's") == "st johns"


@pytest.mark.parametrize("name", ["Europe/London", "Asia/Kolkata", "UTC", "Pacific/Chatham"])
def test_load_zone_accepts_database_names(name: str) -> None:
    zone = load_zone(name)
    assert zone is not None
    assert zone.key == name


@pytest.mark.parametrize(
    "name", ["", "europe/london", "America", "../etc/passwd", "/etc/localtime", "Mars/Olympus"]
)
def test_load_zone_refuses_anything_else(name: str) -> None:
    assert load_zone(name) is None


@pytest.mark.parametrize(
    ("typed", "zones"),
    [
        ("new york", ["America/New_York"]),
        ("Kolkata", ["Asia/Kolkata"]),
        ("europe/london", ["Europe/London"]),
        ("lodnon", []),
        ("blah", []),
    ],
)
def test_exact_zones_take_only_exact_names(typed: str, zones: list[str]) -> None:
    assert exact_zones(typed) == zones
