"""Days and moments in words, including a person with no check-in days chosen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.checkin_items import EVERY_DAY, WEEKDAYS, WEEKENDS
from core.domain import CheckInSlot
from messages.checkin_message import heading
from messages.settings_texts import settings_menu
from messages.tone import check_tone
from messages.when import day_in_words, describe_days, in_words


@pytest.mark.parametrize(
    ("mask", "words"),
    [
        (EVERY_DAY, "every day"),
        (WEEKDAYS, "weekdays"),
        (WEEKENDS, "weekends"),
        (0b000_0001, "Monday"),
        (0b100_0001, "Monday and Sunday"),
        (0b001_0101, "Monday, Wednesday and Friday"),
        (0, "no days chosen"),
    ],
)
def test_chosen_days_in_words(mask: int, words: str) -> None:
    assert describe_days(mask) == words


def test_no_days_chosen_reads_kindly_in_the_settings() -> None:
    text = settings_menu(
        zone="Europe/London",
        days_mask=0,
        checkin_time="09:00",
        summary_weekday=6,
        summary_time="18:00",
        quiet=("22:00", "08:00"),
        activities=(),
        ask_about_pain=False,
        upcoming=(),
    ).text
    assert "• Check-ins: no days chosen at 09:00" in text
    assert check_tone(describe_days(0)) == []


def test_days_and_moments() -> None:
    assert day_in_words(date(2027, 1, 5)) == "Tuesday 5 January"
    london = ZoneInfo("Europe/London")
    assert in_words(datetime(2027, 7, 6, 8, 0, tzinfo=UTC), london) == "Tuesday 6 July at 09:00"
    assert heading(CheckInSlot.DAILY, date(2027, 1, 5)) == "Your check-in for Tuesday 5 January"
