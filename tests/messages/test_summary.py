"""The weekly summary's words: what leads, what follows, and what is never said."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.markers import MarkerId
from core.progress import DayAnswer, WeeklyProgress, analyse
from messages.markers import WORDS
from messages.schema import CAPTION_LIMIT, Kind
from messages.summary import (
    PAIN_EASED,
    SUMMARY_KINDS,
    ComposedSummary,
    compose_summary,
    describe_change,
    no_summary_yet,
    summary_problems,
)
from messages.tone import check_tone
from messages.when import in_words
from tests.messages.helpers import shipped
from tests.progress.histories import JOINED, WEEK_END, days_back, history, week_of

MF = MarkerId.MOVING_FREELY


def _progress(*answers: Iterable[DayAnswer], joined: date = JOINED) -> WeeklyProgress:
    return analyse(history(*answers, joined=joined))


def _compose(
    progress: WeeklyProgress,
    seed: int = 1,
    *,
    activities: Mapping[int, str] | None = None,
    last_focus: str | None = None,
    history: Sequence[str] = (),
) -> ComposedSummary:
    return compose_summary(
        progress,
        shipped(),
        random.Random(seed),
        activities=activities,
        last_focus=last_focus,
        history=history,
    )


def test_an_improvement_leads_in_words_specific_to_the_person() -> None:
    progress = _progress(week_of(MF, [2, 2, 2, 2], weeks_back=3), week_of(MF, [4, 4, 4, 5]))
    summary = _compose(progress)
    assert summary.used[0].kind is Kind.CELEBRATION
    assert shipped().get(summary.used[0].message_id).marker is MF
    # Specific: both answers are named, in the caption under the chart.
    assert "‘Fairly free’" in summary.caption
    assert "‘Stiff’" in summary.caption
    assert summary.text.startswith(summary.caption)
    assert summary_problems(summary) == []


def test_the_plain_sentence_names_this_week_and_three_weeks_ago() -> None:
    progress = _progress(week_of(MF, [2, 2, 2], weeks_back=3), week_of(MF, [4, 4, 4]))
    lead = progress.lead
    assert lead is not None
    assert describe_change(MF, lead[1]) == (
        "Moving freely was mostly ‘Fairly free’ this week. Three weeks ago it was mostly ‘Stiff’."
    )


def test_the_rest_follows_in_order_and_the_question_ends_it() -> None:
    progress = _progress(
        week_of(MF, [2, 2, 2], weeks_back=3),
        week_of(MF, [4, 4, 4]),
        week_of(MarkerId.SLEEP, [2, 2, 2], weeks_back=3),
        week_of(MarkerId.SLEEP, [3, 3, 4]),
        week_of(MarkerId.PAIN_DOMINANCE, [4, 4, 4], weeks_back=3),
        week_of(MarkerId.PAIN_DOMINANCE, [2, 2, 3]),
        week_of("activity:1", [3], weeks_back=3),
        week_of("activity:1", [6]),
        week_of("reframe", [4]),
    )
    summary = _compose(
        progress,
        activities={1: "Walking the dog"},
        last_focus="gardening",
        history=["next_week.001"],
    )
    text = summary.text
    order = [
        text.index(summary.caption),
        text.index("Sleep changed for the better too"),
        text.index("3 days"),
        text.index("‘Walking the dog’: 6 out of 10, up from 3 three weeks ago."),
        text.index("you said ‘A bit more’"),
        text.index(PAIN_EASED),
        text.index("‘gardening’"),
    ]
    assert order == sorted(order)
    assert not summary.asks_reframe
    # Ends with the week's question, never the one just sent.
    assert summary.used[-1].kind is Kind.NEXT_WEEK_FOCUS
    assert summary.used[-1].message_id != "next_week.001"
    assert text.endswith(shipped().get(summary.used[-1].message_id).text)
    assert summary.follow_up in text
    assert summary_problems(summary) == []


def test_pain_never_leads_and_is_said_last() -> None:
    pain = MarkerId.PAIN_DOMINANCE
    summary = _compose(
        _progress(week_of(pain, [4, 4, 4, 5], weeks_back=3), week_of(pain, [2, 2, 2, 1]))
    )
    assert summary.used[0].kind is Kind.NO_CHANGE_SUPPORT
    assert PAIN_EASED in summary.text
    assert "pain" not in summary.caption.lower().replace("pain lingering", "")


def test_nothing_improved_gets_support_without_blame() -> None:
    summary = _compose(
        _progress(week_of(MF, [3, 3, 3], weeks_back=3), week_of(MF, [3, 2, 3, None]))
    )
    assert summary.used[0].kind is Kind.NO_CHANGE_SUPPORT
    assert not shipped().get(summary.used[0].message_id).conditions.after_flare
    assert "4 days" in summary.text
    assert summary_problems(summary) == []


def test_a_flare_week_gets_flare_support_and_a_gentle_question() -> None:
    summary = _compose(
        _progress(
            week_of(MarkerId.PAIN_DOMINANCE, [2, 2, 2], weeks_back=3),
            week_of(MarkerId.PAIN_DOMINANCE, [4, 5, 4]),
        )
    )
    lead = shipped().get(summary.used[0].message_id)
    assert lead.conditions.after_flare is True
    question = shipped().get(summary.used[-1].message_id)
    assert question.conditions.after_flare is not False
    assert summary_problems(summary) == []


def test_a_flare_week_that_still_improved_leads_with_the_improvement() -> None:
    summary = _compose(
        _progress(
            week_of(MF, [4, 4, 4], weeks_back=3),
            week_of(MF, [1, 2, 2, 1]),
            week_of(MarkerId.CONFIDENCE, [2, 2, 2], weeks_back=3),
            week_of(MarkerId.CONFIDENCE, [4, 4, 4]),
        )
    )
    assert summary.used[0].kind is Kind.CELEBRATION
    assert shipped().get(summary.used[1].message_id).conditions.after_flare is True


def test_the_first_two_weeks_are_framed_as_building_a_baseline() -> None:
    summary = _compose(
        _progress(week_of(MF, [1, 1]), week_of(MF, [5, 5]), joined=WEEK_END - timedelta(days=9))
    )
    assert summary.used[0].kind is Kind.BASELINE_BUILDING
    assert summary.asks_reframe
    assert WORDS[MarkerId.REFRAME].question in summary.text
    assert summary_problems(summary) == []


def test_someone_who_skipped_everything_hears_no_judgement() -> None:
    summary = _compose(_progress(week_of(MF, [None, None, None])))
    assert summary.used[0].kind is Kind.BASELINE_BUILDING
    assert "3 days" in summary.text
    assert summary_problems(summary) == []


def test_a_seed_gives_the_same_summary_and_kinds_are_all_summary_kinds() -> None:
    progress = _progress(week_of(MF, [2, 2, 2], weeks_back=3), week_of(MF, [4, 4, 4]))
    first, again = _compose(progress, seed=9), _compose(progress, seed=9)
    assert first == again
    assert {used.kind for used in first.used} <= set(SUMMARY_KINDS)


def test_long_words_of_the_person_stay_within_the_limits() -> None:
    progress = _progress(
        week_of(MF, [2, 2, 2], weeks_back=3),
        week_of(MF, [4, 4, 4]),
        *(week_of(f"activity:{p}", [5]) for p in (1, 2, 3)),
    )
    summary = _compose(
        progress,
        activities=dict.fromkeys((1, 2, 3), "x" * 100),
        last_focus="y " * 2000,
    )
    assert summary_problems(summary) == []
    assert len(summary.caption) <= CAPTION_LIMIT
    assert "…" in summary.text  # their very long answer is quoted in part


def test_when_the_first_summary_will_come() -> None:
    when = datetime(2026, 3, 1, 18, 0, tzinfo=UTC)
    text = no_summary_yet(in_words(when, ZoneInfo("Europe/London")))
    assert "Sunday 1 March at 18:00" in text
    assert check_tone(text) == []
    assert check_tone(no_summary_yet(None)) == []
    assert "no weekly summary yet" in no_summary_yet(None)
    assert days_back(0) == WEEK_END
