"""The weekly chart: a PNG of a person's last 8 weeks, one small panel per marker.

Made for a phone screen: 1080 pixels wide, large type, one panel per marker stacked so the
person scrolls rather than squints, each panel's axis labelled with that marker's own button
labels ("Stiff", "Fairly free") instead of numbers, and turned so that up is always better
(for worry and pain, "not at all" and "hardly" are at the top). Weeks are shown as the date
they start. Colours are the Okabe-Ito palette, which stays distinct with the common kinds of
colour blindness, and every line also has round markers so colour is never the only cue.

matplotlib is imported and its Agg (non-interactive, file-only) canvas chosen inside
`render_chart`, never at import: importing N1 loads nothing heavy, and no global backend or
pyplot state is touched, so charts can be drawn from worker threads.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from core.markers import LEAD_ORDER, MARKERS, SCALE, MarkerId
from core.progress import ChartData
from messages.markers import WORDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

# Okabe & Ito (2008), "Color Universal Design"; yellow is left out (too pale on white).
MARKER_COLOURS: Final[dict[MarkerId, str]] = {
    MarkerId.MOVING_FREELY: "#0072B2",  # blue
    MarkerId.DOING_WHAT_MATTERS: "#D55E00",  # vermillion
    MarkerId.CONFIDENCE: "#009E73",  # bluish green
    MarkerId.WORRY: "#CC79A7",  # reddish purple
    MarkerId.SLEEP: "#56B4E9",  # sky blue
    MarkerId.ENERGY: "#E69F00",  # orange
    MarkerId.PAIN_DOMINANCE: "#000000",  # black
}

WIDTH_PX: Final = 1080
DPI: Final = 100
PANEL_HEIGHT_IN: Final = 2.9
HEADER_IN: Final = 1.9
FOOTER_IN: Final = 0.5
EMPTY_HEIGHT_IN: Final = 5.4
TITLE_PT: Final = 30
SUBTITLE_PT: Final = 20
PANEL_TITLE_PT: Final = 22
TICK_PT: Final = 17
TEXT_COLOUR: Final = "#222222"
GRID_COLOUR: Final = "#DDDDDD"

TITLE: Final = "Your last {weeks} weeks"
TITLE_ONE_WEEK: Final = "Your week"
SUBTITLE: Final = "Higher up means better for you, on every chart."
EMPTY_TITLE: Final = "Nothing to show yet"
EMPTY_TEXT: Final = "Your chart will fill in as you answer\nyour check-ins. There's no rush."


def _title(weeks: int) -> str:
    return TITLE_ONE_WEEK if weeks == 1 else TITLE.format(weeks=weeks)


def _from_first_answer(data: ChartData) -> ChartData:
    """`data` without the weeks before the person's first answer (a new person's chart
    starts when they did, rather than with weeks of empty space)."""
    first = min(
        (i for values in data.series.values() for i, v in enumerate(values) if v is not None),
        default=0,
    )
    if first == 0:
        return data
    return ChartData(
        week_starts=data.week_starts[first:],
        series={marker: values[first:] for marker, values in data.series.items()},
    )


def render_chart(data: ChartData) -> bytes:
    """A PNG of `data`: one panel per marker with answers, or a friendly empty chart."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    data = _from_first_answer(data)
    # Panels in the lead order: the non-pain markers the design leads with, pain last.
    markers = [m for m in LEAD_ORDER if any(v is not None for v in data.series.get(m, ()))]
    width_in = WIDTH_PX / DPI
    if not markers:
        figure = Figure(figsize=(width_in, EMPTY_HEIGHT_IN), dpi=DPI, facecolor="white")
        figure.text(
            0.5, 0.62, EMPTY_TITLE, ha="center", va="center", fontsize=TITLE_PT,
            fontweight="bold", color=TEXT_COLOUR,
        )  # fmt: skip
        figure.text(
            0.5, 0.36, EMPTY_TEXT, ha="center", va="center", fontsize=SUBTITLE_PT,
            color=TEXT_COLOUR, linespacing=1.5,
        )  # fmt: skip
    else:
        height_in = HEADER_IN + PANEL_HEIGHT_IN * len(markers) + FOOTER_IN
        figure = Figure(figsize=(width_in, height_in), dpi=DPI, facecolor="white")
        # Fixed margins (in inches, turned into fractions): a layout engine would cost more
        # time per chart than the drawing itself, and the sizes here never change.
        figure.subplots_adjust(
            left=2.6 / width_in,
            right=1 - 0.45 / width_in,
            top=1 - HEADER_IN / height_in,
            bottom=FOOTER_IN / height_in,
            hspace=0.75,
        )
        figure.text(
            0.03, 1 - 0.55 / height_in, _title(len(data.week_starts)),
            fontsize=TITLE_PT, fontweight="bold", color=TEXT_COLOUR, va="center",
        )  # fmt: skip
        figure.text(
            0.03, 1 - 1.05 / height_in, SUBTITLE, fontsize=SUBTITLE_PT, color=TEXT_COLOUR,
            va="center",
        )  # fmt: skip
        axes = figure.subplots(len(markers), 1, squeeze=False)
        for row, marker in enumerate(markers):
            _panel(axes[row][0], marker, data)
    FigureCanvasAgg(figure)  # attaches the Agg canvas: drawing happens in memory only
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _panel(axes: Axes, marker: MarkerId, data: ChartData) -> None:
    """One marker's weeks, its axis labelled with its own words, better at the top."""
    info = WORDS[marker]
    weeks = range(len(data.week_starts))
    values = [math.nan if v is None else v for v in data.series.get(marker, ())]
    colour = MARKER_COLOURS.get(marker, TEXT_COLOUR)
    axes.plot(
        list(weeks), values, color=colour, linewidth=4, marker="o", markersize=13,
        markerfacecolor=colour, markeredgecolor="white", markeredgewidth=2, clip_on=False,
    )  # fmt: skip
    axes.set_title(
        info.title, loc="left", fontsize=PANEL_TITLE_PT, fontweight="bold",
        color=TEXT_COLOUR, pad=10,
    )  # fmt: skip
    axes.set_yticks(list(SCALE), list(info.labels), fontsize=TICK_PT, color=TEXT_COLOUR)
    # Up is better: flip the scales where a lower answer is the better one.
    axes.set_ylim((0.6, 5.4) if MARKERS[marker].higher_is_better else (5.4, 0.6))
    axes.set_xlim(-0.4, len(data.week_starts) - 0.6)
    axes.set_xticks(list(weeks), _week_labels(data), fontsize=TICK_PT, color=TEXT_COLOUR)
    axes.grid(axis="y", color=GRID_COLOUR, linewidth=1.2)
    axes.set_axisbelow(True)
    axes.tick_params(length=0, pad=8)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GRID_COLOUR)


def _week_labels(data: ChartData) -> Sequence[str]:
    """Each week as the day it starts: "3 Nov"."""
    return [f"{start.day} {start:%b}" for start in data.week_starts]
