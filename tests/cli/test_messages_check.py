"""`n1 messages check`: the shipped library passes; a clinic's broken file is explained."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import run_n1


def test_the_shipped_library_is_valid(tmp_path: Path) -> None:
    result = run_n1("messages", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid" in result.stdout


def test_a_clinic_override_with_problems_exits_1_naming_file_id_and_problem(
    tmp_path: Path,
) -> None:
    overrides = tmp_path / "clinic"
    overrides.mkdir()
    (overrides / "ours.yaml").write_text(
        "messages:\n"
        "  - id: ack.001\n"
        "    kind: checkin_ack\n"
        "    text: 'Thanks {name}'\n"
        "  - id: clinic.ack.1\n"
        "    kind: checkin_ack\n"
        "    text: 'Thanks, that is in.'\n"
        "  - id: clinic.ack.1\n"
        "    kind: checkin_ack\n"
        "    text: 'Thank you for today.'\n"
        "  - id: clinic.nudge.1\n"
        "    kind: nudge\n"
        f"    text: '{'x' * 4100}'\n",
        encoding="utf-8",
    )
    result = run_n1("messages", "check", str(overrides), cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any("ours.yaml" in line and "[ack.001]" in line and "{name}" in line for line in lines)
    assert any("[clinic.ack.1]" in line and "unique" in line for line in lines)
    assert any("[clinic.nudge.1]" in line and "4096" in line for line in lines)
