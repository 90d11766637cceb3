"""B7: safety screening. How well it finds each category in the phrase sets, how often it
signposts an ordinary message, and how long one message takes.

The sets and the scoring are the tests' (`tests/core/safety_phrases/evaluation.py`): the
tuning set always; the held-out set too when `tests/core/safety_phrases/held_out/` is there.
A message counts as found when its category is among those matched (urgent: or emergency);
an ordinary message is a false alarm when anything matched.

Time per message (`core.safety.screen`, the whole pipeline) over every message of the sets:
the first screening of the process (it builds the vocabulary and compiles the rules), then
one pass with every word new to the vocabulary's per-word cache, then `passes` more, as a
running bot sees them (its cache warm with the words people use).

`python -m benchmarks.safety [--quick]` runs it alone.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.harness import median, percentile
from benchmarks.table import Figure, render
from core.safety import Category, screen
from tests.core.safety_phrases.evaluation import (
    SIGNPOSTED_ON_PURPOSE,
    TARGETS,
    TUNING,
    Score,
    evaluate,
    held_out_sets,
    read_set,
)

FULL_PASSES, QUICK_PASSES = 20, 3
FIGURES_PER_SET = 4
TIMING_FIGURES = 6
# Messages as long as Telegram allows, in shapes that make careless patterns backtrack: one
# long word, many short ones, questions, figures, punctuation. Screening runs on the event
# loop, so none may hold it up.
LONGEST = 4096
LONG_SHAPES = ("x", "a ", "no ", "a?", "1/", ".", "numb ", "can't ", "🙂", "ab")


@dataclass(frozen=True)
class SetFigures:
    """One phrase set's scores: per category, the share wrong and how many messages."""

    name: str
    wrong: dict[Category, float]
    sizes: dict[Category, int]


@dataclass(frozen=True)
class TimingFigures:
    """Microseconds per message: the process's first, a cold pass, warm passes."""

    messages: int
    passes: int
    first_us: float
    cold_median_us: float
    cold_p99_us: float
    median_us: float
    p99_us: float
    longest_worst_ms: float


def score(name: str, scores: dict[Category, Score]) -> SetFigures:
    """The figures of one set's scores."""
    return SetFigures(
        name,
        {category: s.rate for category, s in scores.items()},
        {category: s.total for category, s in scores.items()},
    )


def _timed(messages: list[str]) -> list[float]:
    times = []
    for message in messages:
        started = time.perf_counter_ns()
        screen(message)
        times.append((time.perf_counter_ns() - started) / 1000)
    return times


def measure_time(messages: list[str], passes: int) -> TimingFigures:
    """Screen `messages` once cold and `passes` times warm; microseconds per message."""
    started = time.perf_counter_ns()
    screen("a first message builds the vocabulary")
    first = (time.perf_counter_ns() - started) / 1000
    cold = _timed(messages)
    warm = [t for _ in range(passes) for t in _timed(messages)]
    longest = [(shape * LONGEST)[:LONGEST] for shape in LONG_SHAPES]
    return TimingFigures(
        len(messages),
        passes,
        first,
        median(cold),
        percentile(cold, 0.99),
        median(warm),
        percentile(warm, 0.99),
        max(_timed(longest)) / 1000,
    )


def set_figures(f: SetFigures, held_out: bool) -> list[Figure]:
    """Recall per category and false alarms for one set."""
    result = []
    for category in (Category.EMERGENCY, Category.URGENT, Category.CRISIS):
        most = TARGETS[category] if held_out else 0.0
        found = 1 - f.wrong[category]
        name = f"{category} messages found ({f.sizes[category]}, {f.name})"
        target = f">= {1 - most:.1%}"
        result.append(Figure("safety", name, found * 100, "%", target=target,
                             met=found >= 1 - most - 1e-9))  # fmt: skip
    # The tuning set's ordinary messages: none but those signposted on purpose.
    on_purpose = len(SIGNPOSTED_ON_PURPOSE) / max(f.sizes[Category.NONE], 1)
    most = TARGETS[Category.NONE] if held_out else on_purpose
    alarms = f.wrong[Category.NONE]
    result.append(
        Figure("safety", f"ordinary messages signposted ({f.sizes[Category.NONE]}, {f.name})",
               alarms * 100, "%", target=f"<= {most:.1%}", met=alarms <= most + 1e-9)
    )  # fmt: skip
    return result


def timing_figures(f: TimingFigures) -> list[Figure]:
    """The time figures."""
    over = f"{f.messages} messages"
    return [
        Figure("safety", "first screening of the process (vocabulary built, rules compiled)",
               f.first_us / 1000, "ms"),
        Figure("safety", f"per message, every word new to the cache, median ({over})",
               f.cold_median_us, "us"),
        Figure("safety", f"per message, every word new to the cache, p99 ({over})",
               f.cold_p99_us, "us"),
        Figure("safety", f"per message, median ({over}, {f.passes} passes)", f.median_us, "us"),
        Figure("safety", f"per message, p99 ({over}, {f.passes} passes)", f.p99_us, "us",
               target="< 1,000 us", met=f.p99_us < 1000),
        Figure("safety", f"a {LONGEST:,}-character message, worst of {len(LONG_SHAPES)} shapes",
               f.longest_worst_ms, "ms", target="< 100 ms", met=f.longest_worst_ms < 100),
    ]  # fmt: skip


def phrase_sets() -> list[tuple[str, Path, bool]]:
    """The sets scored: (name, folder, held out?): the tuning set, then each held-out set."""
    held_out = [(f"held out: {path.name}", path, True) for path in held_out_sets()]
    return [("tuning", TUNING, False), *held_out]


def expected(postgres: bool) -> int:
    """How many figures `run` writes (four per phrase set, then the times)."""
    return FIGURES_PER_SET * len(phrase_sets()) + TIMING_FIGURES


def run(quick: bool) -> list[Figure]:
    """The safety benchmark's figures."""
    messages: list[str] = []
    result: list[Figure] = []
    for _name, folder, _held_out in phrase_sets():
        phrases = read_set(folder)
        messages += [line for lines in phrases.values() for line in lines]
    # Timed before scoring, so the cold pass finds the vocabulary's word cache empty.
    timing = measure_time(messages, QUICK_PASSES if quick else FULL_PASSES)
    for name, folder, held_out in phrase_sets():
        phrases = read_set(folder)
        result += set_figures(score(name, evaluate(phrases)), held_out)
    return result + timing_figures(timing)


if __name__ == "__main__":
    print(render(run("--quick" in sys.argv[1:])))
