"""What a screening found: its categories, in the order their messages are shown."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    """What a piece of free text may be signalling."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    CRISIS = "crisis"
    NONE = "none"


# The order the signposting messages are shown in: care now first, then crisis support,
# then care today. The first matched category is the screening's primary one.
SIGNPOST_ORDER: tuple[Category, ...] = (Category.EMERGENCY, Category.CRISIS, Category.URGENT)


@dataclass(frozen=True, slots=True)
class Screening:
    """The categories that matched (in `SIGNPOST_ORDER`) and the names of the rules that did."""

    categories: tuple[Category, ...] = ()
    rules: tuple[str, ...] = ()

    @property
    def primary(self) -> Category:
        """The most pressing category matched, or `Category.NONE`."""
        return self.categories[0] if self.categories else Category.NONE

    @property
    def matched(self) -> bool:
        """Whether anything matched (a signpost is due)."""
        return bool(self.categories)
