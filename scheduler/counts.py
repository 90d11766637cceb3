"""Reports of counts that add up: a tick's, a dispatch round's (counts only, never text)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Self


@dataclass
class Counts:
    """A dataclass of counts; `add` sums the integer fields of another of the same kind
    (flags and moments are left as they are)."""

    def add(self, other: Self) -> None:
        """Add another report's counts to this one."""
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(self, item.name, value + getattr(other, item.name))
