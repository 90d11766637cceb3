"""Fixed replies around the weekly summary."""

from __future__ import annotations

FOCUS_SAVED = "Thank you. I'll remind you of that in next week's summary. Go gently."
FOCUS_EMPTY = "That's fine. There's no need to plan anything."
