"""Which time-zone database N1 reads."""

from __future__ import annotations

import zoneinfo


def use_bundled_tzdata() -> None:
    """Read zones only from the pinned `tzdata` package, never the operating system's copy.

    Machines ship different tz database versions (they disagree, for example, about
    Morocco's clock changes), so the same patient would get different check-in times on
    different hosts. Call once at start-up, before any zone is loaded.
    """
    zoneinfo.reset_tzpath(to=[])
    zoneinfo.ZoneInfo.clear_cache()
