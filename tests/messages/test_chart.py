"""The weekly chart renders as a phone-sized PNG for any amount of data, even none."""

from __future__ import annotations

import struct
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from core.markers import LEAD_ORDER, MarkerId
from core.progress import DayAnswer, chart_data
from messages.chart import MARKER_COLOURS, WIDTH_PX, render_chart
from tests.progress.histories import WEEK_END, week_of

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TEN_MB = 10 * 1024 * 1024


def _size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (which always comes first)."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _weeks_of_answers(weeks: int) -> list[DayAnswer]:
    answers: list[DayAnswer] = []
    for back in range(weeks):
        for index, marker in enumerate(LEAD_ORDER):
            values = [(back + index + day) % 5 + 1 for day in range(3)]
            answers.extend(week_of(marker, values, weeks_back=back))
    return answers


def _check_photo(png: bytes) -> tuple[int, int]:
    width, height = _size(png)
    # Telegram's photo limits: at most 10 MB, width + height at most 10000, ratio at most 20.
    assert len(png) < TEN_MB
    assert width + height <= 10_000
    assert max(width, height) / min(width, height) <= 20
    assert width == WIDTH_PX
    return width, height


@pytest.mark.parametrize("weeks", [1, 2, 8])
def test_the_chart_renders_for_weeks_of_data(weeks: int) -> None:
    data = chart_data(_weeks_of_answers(weeks), WEEK_END)
    assert len(data.series) == len(LEAD_ORDER)
    _width, height = _check_photo(render_chart(data))
    # One panel per marker: as tall for 1 week as for 8, so the type stays large.
    assert height > 1500


def test_a_person_who_skipped_everything_gets_a_friendly_empty_chart() -> None:
    skipped = [*week_of(MarkerId.MOVING_FREELY, [None, None, None]), *week_of("reframe", [4])]
    data = chart_data(skipped, WEEK_END)
    assert data.series == {}
    _width, height = _check_photo(render_chart(data))
    assert height < 1000


def test_only_markers_with_answers_get_a_panel() -> None:
    one = chart_data(week_of(MarkerId.SLEEP, [3, 4]), WEEK_END)
    two = chart_data(
        [*week_of(MarkerId.SLEEP, [3, 4]), DayAnswer("worry", WEEK_END - timedelta(days=60), 2)],
        WEEK_END,
    )
    assert _size(render_chart(one)) == _size(render_chart(two))
    assert set(MARKER_COLOURS) == set(LEAD_ORDER)


def test_importing_the_chart_module_does_not_load_matplotlib() -> None:
    code = "import messages.chart, sys; print('matplotlib' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "False"
