"""Each benchmark writes the figures it declares (`expected`, which the command checks on
every run), whatever its measurements were; and the answers benchmark's pass/fail rules."""

from __future__ import annotations

import pytest

from benchmarks import answers, broadcast, burst, safety, startup, summaries, tick
from benchmarks.answers import AnswerFigures, Step, evaluate, highest_sustained
from benchmarks.broadcast import BroadcastFigures
from benchmarks.burst import BurstFigures
from benchmarks.harness import POSTGRESQL, SQLITE, percentile
from benchmarks.safety import SetFigures, TimingFigures
from benchmarks.startup import Started, StartupFigures
from benchmarks.summaries import SummaryFigures
from benchmarks.table import Figure
from benchmarks.tick import TickFigures
from core.safety import Category
from tests.core.safety_phrases.evaluation import SIGNPOSTED_ON_PURPOSE

DATABASES = {False: (SQLITE,), True: (SQLITE, POSTGRESQL)}


def _tick(database: str) -> list[Figure]:
    pause = 0.12 if database == SQLITE else 0.0
    measured = TickFigures(database, 400, 0.001, 0.3, 8, 50, 72, 400, 0.01, pause, 8 * pause)
    return tick.figures(measured, full=False)


def _summaries(database: str) -> list[Figure]:
    charts = 5 if database == SQLITE else 0
    measured = SummaryFigures(
        database, 300, 45_000, 300, 3.0, 6, 50, 0.003, charts, 0.7, 0.38, 2e5
    )
    return summaries.figures(measured)


def _safety() -> list[Figure]:
    rates, sizes = dict.fromkeys(Category, 0.0), dict.fromkeys(Category, 40)
    result = [
        figure
        for name, _folder, held_out in safety.phrase_sets()
        for figure in safety.set_figures(SetFigures(name, rates, sizes), held_out)
    ]
    return result + safety.timing_figures(TimingFigures(378, 3, 500_000, 150, 280, 140, 230, 12))


def _answers(database: str) -> list[Figure]:
    step = Step(120, 240, 240, 0.02, 0.04, 120.0, 120.0, 0.002)
    return answers.figures(AnswerFigures(database, step, 240, (), 1700, 490))


@pytest.mark.parametrize("postgres", [False, True])
def test_each_benchmark_writes_the_figures_it_declares(postgres: bool) -> None:
    databases = DATABASES[postgres]
    started = Started(0.5, 60.0, 0.2, 10.0)
    on_postgres = started if postgres else None
    written = {
        "startup": startup.figures(
            StartupFigures(2_000, started, started, started, started, started, on_postgres)
        ),
        "tick": [figure for database in databases for figure in _tick(database)],
        "burst": burst.figures(
            BurstFigures(400, 400, 0, 0, 2.0, 1.0), BurstFigures(400, 0, 0, 400, 4.0)
        ),
        "broadcast": broadcast.figures(
            BroadcastFigures(1_500, 5.9, 0, 0, 30, 10, 294.0, 0.98, 0.003, 58, 1),
            BroadcastFigures(1_500, 4.2, 273, 0, 30, 281, 365.0, 1.22, 0.1, 50, 8),
        ),
        "answers": [figure for database in databases for figure in _answers(database)],
        "summaries": [figure for database in databases for figure in _summaries(database)],
        "safety": _safety(),
    }
    modules = {"startup": startup, "tick": tick, "burst": burst, "broadcast": broadcast,
               "answers": answers, "summaries": summaries, "safety": safety}  # fmt: skip
    for name, figures in written.items():
        assert len(figures) == modules[name].expected(postgres), name
        assert {figure.bench for figure in figures} == {name}
        assert len({figure.name for figure in figures}) == len(figures), name


def test_a_tap_run_is_measured_from_each_press_to_its_answer() -> None:
    presses = {user: 100 + user / 10 for user in range(10)}  # 10 a second
    answers_at = {user: moment + 0.02 + user / 1000 for user, moment in presses.items()}
    step = evaluate(10, presses, answers_at, cpu_seconds=0.05)
    assert (step.taps, step.answered) == (10, 10)
    assert step.p50 == pytest.approx(0.0245)
    assert step.p95 == pytest.approx(0.029)
    assert step.offered == pytest.approx(10.0)
    assert step.achieved == pytest.approx(9 / (0.9 + 0.009))
    assert step.cpu_per_tap == pytest.approx(0.005)
    assert step.passed
    assert step.why_not() == ""


def test_a_run_fails_on_slow_answers_a_slow_rate_or_a_tap_left_unanswered() -> None:
    slow = Step(120, 240, 240, 0.05, 0.150, 118.0, 120.0)
    behind = Step(300, 900, 900, 0.05, 0.080, 250.0, 299.0)
    lost = Step(120, 240, 239, 0.01, 0.020, 120.0, 120.0)
    harness = Step(800, 2_400, 2_400, 0.01, 0.020, 600.0, 610.0)
    assert not slow.passed
    assert slow.why_not() == "p95 150 ms"
    assert not behind.passed
    assert behind.why_not() == "answered 250/s"
    assert not lost.passed
    assert lost.why_not() == "1 unanswered"
    assert harness.why_not() == "answered 600/s, the simulated people pressed only 610/s"


def test_the_highest_rate_sustained_is_the_last_one_passed_before_the_first_failure() -> None:
    ok = [Step(rate, 10, 10, 0.01, 0.02, rate, rate) for rate in (120, 180, 240)]
    failed = Step(300, 10, 10, 0.01, 0.2, 300, 300)
    assert highest_sustained([*ok, failed]) == (240, "at 300/s: p95 200 ms")
    assert highest_sustained(ok) == (240, "")
    assert highest_sustained([failed, *ok]) == (0.0, "at 300/s: p95 200 ms")


def test_percentiles_are_by_nearest_rank() -> None:
    values = [float(n) for n in range(1, 21)]
    assert percentile(values, 0.95) == 19.0
    assert percentile(values, 0.5) == 10.0
    assert percentile([3.0], 0.95) == 3.0
    assert percentile([], 0.95) == 0.0


def _met(figures: list[Figure], starting: str) -> bool | None:
    return next(figure.met for figure in figures if figure.name.startswith(starting))


def test_a_p95_is_met_only_below_the_target_with_every_tap_answered() -> None:
    def p95_met(step: Step) -> bool | None:
        figures = answers.figures(AnswerFigures(SQLITE, step, step.answered, (), 0, 0))
        return _met(figures, "tap to callback answer at 120 taps/s offered, p95")

    assert p95_met(Step(120, 240, 240, 0.01, 0.099, 120.0, 120.0))
    assert not p95_met(Step(120, 240, 240, 0.01, 0.100, 120.0, 120.0))
    assert not p95_met(Step(120, 240, 239, 0.01, 0.020, 120.0, 120.0))
    assert not p95_met(Step(120, 240, 0, 0.0, 0.0, 0.0, 120.0))
    assert not Step(120, 240, 240, 0.01, 0.100, 120.0, 120.0).passed


def test_the_reply_p95_is_met_only_when_a_reply_got_through() -> None:
    def reply_met(replies: int, p95: float) -> bool | None:
        n1 = BroadcastFigures(1_500, 5.9, 0, 0, 30, 10, 294.0, 0.98, p95, replies, 75 - replies)
        return _met(broadcast.figures(n1, n1), "interactive reply p95")

    assert reply_met(74, 0.003)
    assert not reply_met(0, 0.0)
    assert not reply_met(74, 0.6)


def test_held_out_safety_figures_are_met_only_within_the_targets() -> None:
    sizes = dict.fromkeys(Category, 40)

    def met(rates: dict[Category, float]) -> list[bool | None]:
        return [f.met for f in safety.set_figures(SetFigures("held out", rates, sizes), True)]

    at_targets = {Category.EMERGENCY: 1 / 40, Category.URGENT: 4 / 40,
                  Category.CRISIS: 1 / 40, Category.NONE: 1 / 15}  # fmt: skip
    assert met(at_targets) == [True, True, True, True]
    over = {Category.EMERGENCY: 2 / 40, Category.URGENT: 5 / 40,
            Category.CRISIS: 2 / 40, Category.NONE: 3 / 40}  # fmt: skip
    assert met(over) == [False, False, False, False]
    # The tuning set must be screened right: every message but those signposted on purpose.
    on_purpose = len(SIGNPOSTED_ON_PURPOSE) / 40
    tuning = safety.set_figures(SetFigures("tuning", at_targets, sizes), False)
    assert [f.met for f in tuning][:3] == [False, False, False]
    right = {**dict.fromkeys(Category, 0.0), Category.NONE: on_purpose}
    assert [f.met for f in safety.set_figures(SetFigures("tuning", right, sizes), False)] == [
        True,
        True,
        True,
        True,
    ]
    one_more = {**right, Category.NONE: on_purpose + 1 / 40}
    assert safety.set_figures(SetFigures("tuning", one_more, sizes), False)[3].met is False
