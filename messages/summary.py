"""The weekly N=1 summary: a person's week in words, compared only with their own weeks.

The order (non-pain progress first, pain last, never blame):

1. **The lead** (also the chart photo's caption): in the first two weeks, building a baseline;
   else the clearest non-pain improvement, in the library's words plus a plain sentence
   specific to the person ("Moving freely was mostly ‘Fairly free’ this week. Three weeks ago
   it was mostly ‘Stiff’."); else, in a flare week, support for the flare; else support for a
   steady week, without blame.
2. Flare support, when the week had a flare and still led with an improvement; then one
   more non-pain improvement, if there was one.
3. Consistency: the days with a check-in this week (never a streak, never the days without).
4. Their own activities, in their own words, with this week's rating.
5. The reframe: their answer this week, or the question itself (the caller adds its buttons).
6. Pain, last, and only when it took centre stage less.
7. Last week's choice of "a little more of", if they gave one, then this week's question.

Every variant comes from the message library and is chosen so the person does not see the
same one again soon (`messages.selection`); randomness is injected, so a seed gives the same
summary every time. Everything N1 writes here passes `messages.tone.check_tone`; the person's
own words (activities, last week's choice) are quoted as they wrote them and are not judged.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from core.markers import MarkerId
from core.progress import (
    ActivityProgress,
    Comparison,
    Direction,
    MarkerProgress,
    Reference,
    WeeklyProgress,
)
from messages.catalogue import Catalogue
from messages.markers import WORDS
from messages.render import count_phrase, placeholders_in, render
from messages.schema import CAPTION_LIMIT, TEXT_LIMIT, Context, Kind, Message
from messages.selection import choose
from messages.tone import check_tone

# The kinds a weekly summary draws on (the caller passes the person's history of these).
SUMMARY_KINDS: Final = (
    Kind.BASELINE_BUILDING,
    Kind.CELEBRATION,
    Kind.NO_CHANGE_SUPPORT,
    Kind.FLARE_SUPPORT,
    Kind.CONSISTENCY,
    Kind.REFRAME_INTRO,
    Kind.NEXT_WEEK_FOCUS,
)
# The person's own words are quoted up to this length (an activity is at most 100).
MAX_QUOTED: Final = 200
# Stands in for the person's own words when N1's words are tone-checked.
_THEIR_WORDS: Final = "this"
_PARAGRAPH: Final = "\n\n"


@dataclass(frozen=True)
class UsedMessage:
    """A library message a summary used: the caller logs it so it is not repeated soon."""

    kind: Kind
    message_id: str


@dataclass(frozen=True)
class ComposedSummary:
    """A weekly summary ready to send.

    `text` is the whole summary (kept, and shown again by /summary). Sent with the chart,
    `caption` goes under the photo and `follow_up` is the message after it; together they
    say exactly what `text` says.
    """

    text: str
    caption: str
    follow_up: str
    used: tuple[UsedMessage, ...]
    # The reframe question is asked (not answered this week): the caller adds its buttons.
    asks_reframe: bool
    # The text with the person's own words replaced: what `summary_problems` tone-checks.
    checked_text: str = field(repr=False, default="")


@dataclass(frozen=True)
class _Part:
    """One paragraph: what is shown, and N1's own words in it (for the tone check)."""

    shown: str
    checked: str

    @classmethod
    def same(cls, text: str) -> _Part:
        """A paragraph entirely in N1's words."""
        return cls(text, text)


def _quote(words: str) -> str:
    words = " ".join(words.split())
    if len(words) > MAX_QUOTED:
        words = words[: MAX_QUOTED - 1].rstrip() + "…"
    return f"‘{words}’"


def _label(marker: MarkerId, value: int) -> str:
    return f"‘{WORDS[marker].label(value)}’"


def _then_words(reference: Reference) -> str:
    return "Three weeks ago" if reference is Reference.WEEKS_AGO else "When you started"


def _then_words_lower(reference: Reference | None) -> str:
    return "three weeks ago" if reference is Reference.WEEKS_AGO else "when you started"


def describe_change(marker: MarkerId, comparison: Comparison) -> str:
    """The change in plain words, specific to the person.

    E.g. "Moving freely was mostly ‘Fairly free’ this week. Three weeks ago it was mostly
    ‘Stiff’."
    """
    return (
        f"{WORDS[marker].title} was mostly {_label(marker, comparison.now_value)} this week. "
        f"{_then_words(comparison.reference)} it was mostly "
        f"{_label(marker, comparison.then_value)}."
    )


def _also_words(progress: MarkerProgress, comparison: Comparison) -> str:
    marker = progress.marker
    return (
        f"{WORDS[marker].title} changed for the better too: "
        f"mostly {_label(marker, comparison.now_value)}, "
        f"where {_then_words_lower(comparison.reference)} it was "
        f"{_label(marker, comparison.then_value)}."
    )


def _rating(value: float) -> str:
    return f"{value:g} out of 10"


def _activity_line(activity: ActivityProgress, label: str | None) -> _Part | None:
    if activity.now is None:
        return None
    name = _quote(label) if label else "Your activity"
    shown = f"• {name}: {_rating(activity.now)}"
    checked = f"• {_THEIR_WORDS}: {_rating(activity.now)}"
    if activity.direction is Direction.BETTER and activity.then is not None:
        more = f", up from {activity.then:g} {_then_words_lower(activity.reference)}"
        shown, checked = shown + more, checked + more
    return _Part(shown + ".", checked + ".")


class _Composer:
    """Chooses and fills the library messages of one summary, in order."""

    def __init__(self, catalogue: Catalogue, history: Sequence[str], rng: random.Random) -> None:
        self._catalogue = catalogue
        self._history = list(history)
        self._rng = rng
        self.used: list[UsedMessage] = []

    def take(
        self,
        kind: Kind,
        *,
        marker: MarkerId | None = None,
        context: Context | None = None,
        **values: str | int,
    ) -> str:
        """A variant of `kind` the person has not seen lately, filled with `values`."""
        message = self._catalogue.choose(
            kind, self._history, self._rng, marker=marker, conditions=context
        )
        return self._use(message, **values)

    def _use(self, message: Message, **values: str | int) -> str:
        self._history.append(message.id)
        self.used.append(UsedMessage(message.kind, message.id))
        return render(message, **values)

    def celebration(self, progress: MarkerProgress, comparison: Comparison) -> list[str]:
        """The library's celebration, then the plain specific sentence unless it has both."""
        marker = progress.marker
        message = self._catalogue.choose(Kind.CELEBRATION, self._history, self._rng, marker=marker)
        text = self._use(
            message,
            marker_name=WORDS[marker].name,
            now_label=WORDS[marker].label(comparison.now_value),
            then_label=WORDS[marker].label(comparison.then_value),
            weeks_ago=comparison.weeks_ago,
        )
        if {"now_label", "then_label"} <= placeholders_in(message.text):
            return [text]
        return [text, describe_change(marker, comparison)]

    def flare(self) -> str:
        """Support for a week with a flare-up in it."""
        # The week-framed flare texts are the no-change ones written for after a flare;
        # the flare_support kind is written for a single day ("today"). It is used only if
        # a clinic's library has no week-framed ones.
        weekly = [
            m
            for m in self._catalogue.messages(Kind.NO_CHANGE_SUPPORT)
            if m.conditions.after_flare is True
        ]
        if weekly:
            return self._use(choose(weekly, self._history, self._rng))
        return self.take(Kind.FLARE_SUPPORT, context=Context(after_flare=True))


def compose_summary(
    progress: WeeklyProgress,
    catalogue: Catalogue,
    rng: random.Random,
    *,
    history: Sequence[str] = (),
    activities: Mapping[int, str] | None = None,
    last_focus: str | None = None,
) -> ComposedSummary:
    """The weekly summary for `progress`.

    `history` is the library ids recently sent to the person (oldest first), `activities`
    their activities (position -> their words) and `last_focus` what they said last week
    they would like to do a little more of. Raises `LookupError` if the library lacks a kind.
    """
    composer = _Composer(catalogue, history, rng)
    first_weeks = progress.in_first_weeks
    context = Context(first_weeks=first_weeks, after_flare=progress.flare)

    # 1. The lead (the caption), as sentences that read as one paragraph.
    improvements = progress.told_improvements
    lead = improvements[0] if improvements else None
    lead_sentences: list[str]
    if progress.building_baseline:
        lead_sentences = [
            composer.take(Kind.BASELINE_BUILDING, context=Context(first_weeks=first_weeks))
        ]
    elif lead is not None:
        lead_sentences = composer.celebration(*lead)
    elif progress.flare:
        lead_sentences = [composer.flare()]
    else:
        lead_sentences = [
            composer.take(Kind.NO_CHANGE_SUPPORT, context=Context(first_weeks=first_weeks))
        ]

    # Optional paragraphs may be dropped, last first, should quoted words or a clinic's long
    # texts ever push the summary past Telegram's limit; the questions never are.
    parts: list[_Part] = []
    optional: list[_Part] = []

    def add(part: _Part, *, droppable: bool = False) -> None:
        parts.append(part)
        if droppable:
            optional.append(part)

    # 2. Flare support after an improvement; one more improvement.
    if lead is not None and progress.flare:
        add(_Part.same(composer.flare()))
    if len(improvements) > 1:
        add(_Part.same(_also_words(*improvements[1])), droppable=True)

    # 3. Consistency, in days (never a streak; nothing said about days without one).
    if progress.days > 0:
        days = count_phrase(progress.days, "day")
        add(_Part.same(composer.take(Kind.CONSISTENCY, days=days)), droppable=True)

    # 4. Their own activities, in their own words.
    lines = [
        line
        for activity in progress.activities
        if (line := _activity_line(activity, (activities or {}).get(activity.position)))
        is not None
    ]
    if lines:
        heading = "Your own activities this week:"
        add(
            _Part(
                "\n".join([heading, *(line.shown for line in lines)]),
                "\n".join([heading, *(line.checked for line in lines)]),
            ),
            droppable=True,
        )

    # 5. The reframe: their answer this week, or the question (the caller adds buttons).
    if progress.reframe_now is not None:
        add(_Part.same(_reframe_words(progress.reframe_now, progress.reframe_before)))
    else:
        intro = composer.take(Kind.REFRAME_INTRO, context=context)
        add(_Part.same(f"{intro}\n{WORDS[MarkerId.REFRAME].question}"))

    # 6. Pain, last, and only when it eased.
    if progress.pain_improved is not None:
        add(_Part.same(PAIN_EASED), droppable=True)

    # 7. Last week's choice, then this week's question.
    question = composer.take(Kind.NEXT_WEEK_FOCUS, context=context)
    if last_focus and last_focus.strip():
        mention = "Last week you chose to do a little more of this: {}."
        add(
            _Part(
                f"{mention.format(_quote(last_focus))}\n{question}",
                f"{mention.format(_THEIR_WORDS)}\n{question}",
            )
        )
    else:
        add(_Part.same(question))

    while optional and _too_long(lead_sentences, parts):
        parts.remove(optional.pop())
    return _assemble(lead_sentences, parts, tuple(composer.used), progress.reframe_now is None)


PAIN_EASED: Final = "One more thing: pain took centre stage a little less this week."


def _reframe_words(now: int, before: int | None) -> str:
    text = (
        "Asked if you feel healthier and more capable than a few weeks ago, you said "
        f"{_label(MarkerId.REFRAME, now)}."
    )
    if before is not None and now > before:
        text += f" Before, you said {_label(MarkerId.REFRAME, before)}."
    return text


def _too_long(lead: Sequence[str], parts: Sequence[_Part]) -> bool:
    total = len(" ".join(lead)) + sum(len(_PARAGRAPH) + len(part.shown) for part in parts)
    return total > TEXT_LIMIT


def _assemble(
    lead: Sequence[str], parts: Sequence[_Part], used: tuple[UsedMessage, ...], asks: bool
) -> ComposedSummary:
    """Join the paragraphs, and split them into the photo's caption and the follow-up."""
    caption_sentences = list(lead)
    moved: list[str] = []
    # The library's lead line always fits a caption (it is checked for that); N1's plain
    # sentence follows it in the caption when there is room, else it opens the follow-up.
    while len(caption_sentences) > 1 and len(" ".join(caption_sentences)) > CAPTION_LIMIT:
        moved.insert(0, caption_sentences.pop())
    caption = _clip(" ".join(caption_sentences), CAPTION_LIMIT)
    rest = [part.shown for part in parts]
    if moved:
        rest.insert(0, " ".join(moved))
    follow_up = _clip(_PARAGRAPH.join(rest), TEXT_LIMIT)
    text = _clip(_PARAGRAPH.join([" ".join(lead), *(part.shown for part in parts)]), TEXT_LIMIT)
    checked = _PARAGRAPH.join([" ".join(lead), *(part.checked for part in parts)])
    return ComposedSummary(
        text=text,
        caption=caption,
        follow_up=follow_up,
        used=used,
        asks_reframe=asks,
        checked_text=checked,
    )


def _clip(text: str, limit: int) -> str:
    # Only reachable with a clinic's over-long texts; the shipped library always fits.
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_problems(summary: ComposedSummary) -> list[str]:
    """Everything wrong with a composed summary: the tone of N1's words, and the limits."""
    problems = check_tone(summary.checked_text)
    for name, value, limit in (
        ("text", summary.text, TEXT_LIMIT),
        ("caption", summary.caption, CAPTION_LIMIT),
        ("follow-up", summary.follow_up, TEXT_LIMIT),
    ):
        if not value.strip() or len(value) > limit:
            problems.append(f"The {name} is {len(value)} characters (1 to {limit}).")
    return problems


def no_summary_yet(when: str | None) -> str:
    """What /summary says before the first summary; `when` is its moment in words
    (`messages.when.in_words`; None: not set)."""
    if when is None:
        return (
            "There's no weekly summary yet. Once you've had a week of check-ins, it will "
            "come on the day you chose. Send /settings to see or change that day."
        )
    return (
        f"There's no weekly summary yet. The first one is due on {when}. "
        "It looks at your week and compares it only with your own earlier weeks."
    )
