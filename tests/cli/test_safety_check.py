"""`n1 safety check`: the category first, then the rules, for a message or a file of them."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run_n1


def test_a_message_prints_its_category_first_then_the_rules(tmp_path: Path) -> None:
    result = run_n1("safety", "check", "numbness around my bum", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["emergency  emergency.saddle_numbness"]


def test_an_ordinary_message_prints_none(tmp_path: Path) -> None:
    result = run_n1("safety", "check", "my back is killing me", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["none"]


def test_a_file_gets_one_line_per_message_and_none_of_its_text(tmp_path: Path) -> None:
    messages = tmp_path / "messages.txt"
    messages.write_text(
        "walked the dog\n"
        "some days I don't see a way out\n"
        "chest pain and I want to die\n"
        "lost a stone without trying\n",
        encoding="utf-8",
    )
    result = run_n1("safety", "check", "--file", str(messages), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["none", "crisis", "emergency", "urgent"]
    assert lines[1] == "crisis  crisis.euphemism.no_way_out"
    assert lines[2].split()[1:] == ["emergency.chest_pain", "crisis.wish_to_die"]
    assert "dog" not in result.stdout + result.stderr


def test_a_missing_file_is_one_line_with_status_2(tmp_path: Path) -> None:
    result = run_n1("safety", "check", "--file", str(tmp_path / "absent.txt"), cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "--file" in line
    assert "Traceback" not in result.stderr


def test_neither_a_message_nor_a_file_is_explained(tmp_path: Path) -> None:
    result = run_n1("safety", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert "--file" in result.stderr
