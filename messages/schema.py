"""The shape of a library message, and the rules each kind of message follows.

A message file is YAML::

    defaults:            # optional: fields every message in the file shares
      kind: celebration
      marker: sleep
    messages:
      - id: celebrate.sleep.001
        text: "Your nights have been more restful lately. That's worth noticing."
      - id: celebrate.sleep.002
        conditions: {first_weeks: false}
        text: "..."

Only the shapes live here; the checks that need more than one field (placeholders, length, tone)
live in `messages.catalogue`, so that every problem can be reported in a plain sentence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum, StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.markers import MARKERS, MarkerId
from messages.markers import WORDS

# Telegram's limits: a message's text, and a photo's caption.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

# Stable, readable ids: lower-case words joined by dots, e.g. "ack.017",
# "celebrate.moving_freely.004", "clinic_north.ack.001".
ID_PATTERN = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$"


class Kind(StrEnum):
    """Every kind of message in the library (a closed set: the loader rejects others)."""

    CHECKIN_ACK = "checkin_ack"
    NUDGE = "nudge"
    WELCOME_BACK = "welcome_back"
    DOOR_OPEN = "door_open"
    CELEBRATION = "celebration"
    CONSISTENCY = "consistency"
    NO_CHANGE_SUPPORT = "no_change_support"
    FLARE_SUPPORT = "flare_support"
    REFRAME_INTRO = "reframe_intro"
    NEXT_WEEK_FOCUS = "next_week_focus"
    BASELINE_BUILDING = "baseline_building"
    PROGRAMME = "programme"
    COHORT_CELEBRATION = "cohort_celebration"
    SAFETY = "safety"
    PAUSE_CONFIRMATION = "pause_confirmation"
    CHECKIN_CLOSED = "checkin_closed"


class Weekday(StrEnum):
    """A day of the week, for messages that only fit some days."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @classmethod
    def of(cls, day: dt.date) -> Weekday:
        """The weekday of a (local) date."""
        return list(cls)[day.weekday()]


class TimeOfDay(StrEnum):
    """Part of the person's local day, for messages such as "have a restful evening"."""

    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"

    @classmethod
    def of(cls, moment: dt.time) -> TimeOfDay:
        """The part of the day a local time falls in (before 12, before 17, later)."""
        if moment.hour < 12:
            return cls.MORNING
        if moment.hour < 17:
            return cls.AFTERNOON
        return cls.EVENING


class SafetySituation(StrEnum):
    """Which fixed safety text a safety message is (never rotated, never overridden)."""

    EMERGENCY = "emergency"
    URGENT = "urgent"
    CRISIS = "crisis"


class MarkerRule(Enum):
    """Whether a kind's messages are written for one marker."""

    NONE = "none"
    REQUIRED = "required"


# The markers N1 celebrates: every marker except pain (which comes last, if at all) and the
# weekly reframe (which is asked, not celebrated).
CELEBRATED_MARKERS: tuple[MarkerId, ...] = tuple(
    marker.id for marker in MARKERS.values() if not marker.is_pain and not marker.weekly_only
)


@dataclass(frozen=True)
class KindRule:
    """What a kind's messages may contain and how many variants the library must hold."""

    # The placeholders a message of this kind may use, and those it must use.
    placeholders: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    marker: MarkerRule = MarkerRule.NONE
    # Kinds that can lead a weekly summary are sent as a photo caption, which is shorter.
    caption: bool = False
    # A kind a person sees weekly or more needs a big bank so that it does not feel canned
    # (nudge research advises rotating a bank of 20 to 30 or more). Per marker, if any.
    min_variants: int = 5


WEEKLY = 20

KIND_RULES: dict[Kind, KindRule] = {
    Kind.CHECKIN_ACK: KindRule(min_variants=WEEKLY),
    Kind.NUDGE: KindRule(placeholders=frozenset({"checkin_time"}), min_variants=WEEKLY),
    Kind.WELCOME_BACK: KindRule(),
    Kind.DOOR_OPEN: KindRule(),
    Kind.CELEBRATION: KindRule(
        placeholders=frozenset({"marker_name", "now_label", "then_label", "weeks_ago"}),
        marker=MarkerRule.REQUIRED,
        caption=True,
        min_variants=WEEKLY,
    ),
    Kind.CONSISTENCY: KindRule(
        placeholders=frozenset({"days"}),
        required=frozenset({"days"}),
        caption=True,
        min_variants=WEEKLY,
    ),
    Kind.NO_CHANGE_SUPPORT: KindRule(caption=True, min_variants=WEEKLY),
    Kind.FLARE_SUPPORT: KindRule(),
    Kind.REFRAME_INTRO: KindRule(min_variants=WEEKLY),
    Kind.NEXT_WEEK_FOCUS: KindRule(min_variants=WEEKLY),
    Kind.BASELINE_BUILDING: KindRule(caption=True),
    Kind.PROGRAMME: KindRule(
        placeholders=frozenset({"body", "cohort"}),
        required=frozenset({"body"}),
    ),
    Kind.COHORT_CELEBRATION: KindRule(
        placeholders=frozenset({"count", "total"}),
        required=frozenset({"count"}),
        marker=MarkerRule.REQUIRED,
    ),
    # Fixed, reviewed wording: one message per situation, never rotated or overridden.
    Kind.SAFETY: KindRule(min_variants=1),
    Kind.PAUSE_CONFIRMATION: KindRule(),
    Kind.CHECKIN_CLOSED: KindRule(),
}

# Plausible values used to render every message when it is checked (placeholders must resolve,
# and readability is measured on the rendered words, not on the braces).
_SAMPLES: dict[str, str | int] = {
    "checkin_time": "9:30am",
    "weeks_ago": 3,
    "days": "4 days",
    "count": 6,
    "total": 9,
    "body": "We will meet in the small hall this week. Bring a drink of water.",
    "cohort": "Tuesday back group",
}


def sample_values(kind: Kind, marker: MarkerId | None = None) -> dict[str, str | int]:
    """Realistic values for every placeholder a message of `kind` (and `marker`) may use."""
    values = {name: _SAMPLES[name] for name in KIND_RULES[kind].placeholders if name in _SAMPLES}
    allowed = KIND_RULES[kind].placeholders
    if marker is not None and "marker_name" in allowed:
        words = WORDS[marker]
        # A typical improvement: one step better than before.
        now, then = (4, 3) if MARKERS[marker].higher_is_better else (2, 3)
        values.update(
            marker_name=words.name, now_label=words.label(now), then_label=words.label(then)
        )
    elif "marker_name" in allowed:
        values.update(marker_name="moving freely", now_label="Fairly free", then_label="OK")
    return values


class Conditions(BaseModel):
    """When a message fits. An unset condition fits always; a set one must match `Context`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # In the person's first two weeks (their baseline).
    first_weeks: bool | None = None
    # Their latest check-in reported a flare-up or low energy: support, not "do more".
    after_flare: bool | None = None
    weekdays: frozenset[Weekday] | None = Field(default=None, min_length=1)
    time_of_day: TimeOfDay | None = None
    # Safety messages only: which situation this fixed text is for.
    situation: SafetySituation | None = None

    def fits(self, context: Context) -> bool:
        """Whether a message with these conditions may be sent in `context`."""
        if self.first_weeks is not None and self.first_weeks != context.first_weeks:
            return False
        if self.after_flare is not None and self.after_flare != context.after_flare:
            return False
        if self.weekdays is not None and context.weekday not in self.weekdays:
            return False
        if self.time_of_day is not None and self.time_of_day != context.time_of_day:
            return False
        return self.situation is None or self.situation == context.situation


@dataclass(frozen=True)
class Context:
    """What is true for the person right now, which decides the messages that fit."""

    first_weeks: bool = False
    after_flare: bool = False
    weekday: Weekday | None = None
    time_of_day: TimeOfDay | None = None
    situation: SafetySituation | None = None


class Message(BaseModel):
    """One message of the library, as loaded (and checked) from a content file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=ID_PATTERN)
    kind: Kind
    marker: MarkerId | None = None
    conditions: Conditions = Conditions()
    text: str

    @field_validator("text")
    @classmethod
    def _strip(cls, text: str) -> str:
        # YAML block scalars add a trailing newline; it would only be noise in a chat.
        return text.strip()


class FileDefaults(BaseModel):
    """Fields every message in one file shares unless it sets its own."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Kind | None = None
    marker: MarkerId | None = None
    conditions: Conditions | None = None
