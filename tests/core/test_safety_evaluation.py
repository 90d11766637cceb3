"""The phrase sets' scoring: what counts as found, missed or a false alarm, and the report
that names each message screened wrongly."""

from __future__ import annotations

from pathlib import Path

from core.safety import Category
from tests.core.safety_phrases.evaluation import evaluate, read_set, report


def _write_set(directory: Path, lines: dict[str, list[str]]) -> Path:
    directory.mkdir()
    for name in ("emergency", "urgent", "crisis", "none"):
        text = "\n".join(lines.get(name, [])) + "\n\n"
        (directory / f"{name}.txt").write_text(text, encoding="utf-8")
    return directory


def test_misses_and_false_alarms_are_counted_and_reported(tmp_path: Path) -> None:
    directory = _write_set(
        tmp_path / "set",
        {
            "emergency": ["numbness around my bum", "walked the dog"],
            # Signposted more urgently than needed is not an under-call.
            "urgent": ["lost a stone without trying and now chest pain", "lovely day"],
            "crisis": ["I want to die"],
            "none": ["my back is killing me", "no point going out, chest pain again"],
        },
    )
    scores = evaluate(read_set(directory))
    assert {category: (len(s.wrong), s.total) for category, s in scores.items()} == {
        Category.EMERGENCY: (1, 2),
        Category.URGENT: (1, 2),
        Category.CRISIS: (0, 1),
        Category.NONE: (1, 2),
    }
    assert scores[Category.EMERGENCY].rate == 0.5
    text = report(scores)
    assert "emergency: 1/2 wrong (50.0%)" in text
    assert "emergency -> none []: walked the dog" in text
    assert "none -> emergency ['emergency.chest_pain']: no point going out" in text
