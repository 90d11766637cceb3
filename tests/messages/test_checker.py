"""The checker: each kind of mistake is reported with the right file, id and a plain reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from messages.catalogue import (
    LIBRARY_DIR,
    SAFETY_MUST_MENTION,
    CatalogueError,
    Problem,
    check_directory,
    load_catalogue,
)
from messages.schema import Kind, SafetySituation
from tests.messages.helpers import copy_library, shipped, write


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(problem) for problem in problems]
    return problems[0]


def _override(tmp_path: Path, body: str, name: str = "clinic.yaml") -> tuple[Path, Path]:
    directory = tmp_path / "clinic"
    return directory, write(directory, name, body)


def test_an_unknown_placeholder_is_reported(tmp_path: Path) -> None:
    directory, path = _override(
        tmp_path,
        """
        messages:
          - id: clinic.ack.001
            kind: checkin_ack
            text: "Thanks, {name}. That's saved."
        """,
    )
    problem = _only(check_directory(directory))
    assert problem.file == path
    assert problem.message_id == "clinic.ack.001"
    assert problem.line == 2
    assert "{name}" in problem.what
    assert "checkin_ack" in problem.what


def test_a_placeholder_from_another_kind_is_reported(tmp_path: Path) -> None:
    directory, _path = _override(
        tmp_path,
        """
        messages:
          - id: clinic.nudge.001
            kind: nudge
            text: "You checked in on {days} this week."
        """,
    )
    assert "{days}" in _only(check_directory(directory)).what


@pytest.mark.parametrize(
    "text",
    ["Thanks for {days this week.", "Thanks} for this week.", "On {} this week.", "{days.real}"],
)
def test_malformed_braces_are_reported(tmp_path: Path, text: str) -> None:
    directory, path = _override(
        tmp_path,
        f"""
        messages:
          - id: clinic.consistency.001
            kind: consistency
            text: "{text}"
        """,
    )
    problem = _only(check_directory(directory))
    assert (problem.file, problem.message_id) == (path, "clinic.consistency.001")
    assert "placeholder" in problem.what


def test_a_required_placeholder_left_out_is_reported(tmp_path: Path) -> None:
    directory, _path = _override(
        tmp_path,
        """
        messages:
          - id: clinic.programme.001
            kind: programme
            text: "A message from your physio team."
        """,
    )
    assert "{body}" in _only(check_directory(directory)).what


def test_a_duplicate_id_across_files_is_reported_where_it_repeats(tmp_path: Path) -> None:
    directory = tmp_path / "clinic"
    write(
        directory,
        "a.yaml",
        """
        messages:
          - id: clinic.ack.001
            kind: checkin_ack
            text: "Thanks. That's saved."
        """,
    )
    second = write(
        directory,
        "b.yaml",
        """
        messages:
          - id: clinic.ack.002
            kind: checkin_ack
            text: "Thank you, all done."
          - id: clinic.ack.001
            kind: checkin_ack
            text: "Thanks a lot. That's in."
        """,
    )
    problem = _only(check_directory(directory))
    assert (problem.file, problem.message_id, problem.line) == (second, "clinic.ack.001", 5)
    assert "already used in a.yaml" in problem.what


@pytest.mark.parametrize("situation", list(SafetySituation))
def test_a_library_safety_text_without_a_required_phrase_is_refused(
    tmp_path: Path, situation: SafetySituation
) -> None:
    library = copy_library(tmp_path / "library")
    path = library / "safety.yaml"
    text = path.read_text(encoding="utf-8")
    for needed in SAFETY_MUST_MENTION[situation]:
        # Dropped from this situation's text only (the others may say it too).
        start = text.index(f"situation: {situation}")
        end = text.find("  - id:", start)
        end = len(text) if end < 0 else end
        path.write_text(text[:start] + text[start:end].replace(needed, "") + text[end:])
        problems = [p for p in check_directory(base_dir=library) if "must mention" in p.what]
        assert len(problems) == 1, (needed, problems)
        assert problems[0].message_id == f"safety.{situation}"
        assert needed in problems[0].what
        path.write_text(text, encoding="utf-8")


def test_a_duplicate_id_in_the_library_itself_is_reported(tmp_path: Path) -> None:
    library = copy_library(tmp_path / "library")
    extra = write(
        library,
        "zz_extra.yaml",
        """
        messages:
          - id: ack.001
            kind: checkin_ack
            text: "Thanks, that is in."
        """,
    )
    problem = _only(check_directory(base_dir=library))
    assert (problem.file, problem.message_id) == (extra, "ack.001")
    assert "acknowledgements.yaml" in problem.what


def test_the_same_text_twice_in_a_kind_is_reported(tmp_path: Path) -> None:
    directory, path = _override(
        tmp_path,
        """
        messages:
          - id: clinic.ack.001
            kind: checkin_ack
            text: "got it, thank you.   That's today noted."
        """,
    )
    problem = _only(check_directory(directory))
    assert (problem.file, problem.message_id) == (path, "clinic.ack.001")
    assert "ack.002" in problem.what


@pytest.mark.parametrize(
    ("kind", "marker", "length", "limit"),
    [("checkin_ack", None, 4100, 4096), ("celebration", "sleep", 1030, 1024)],
)
def test_a_text_that_is_too_long_is_reported(
    tmp_path: Path, kind: str, marker: str | None, length: int, limit: int
) -> None:
    text = ("It is good. " * 1000)[:length]
    marker_line = f"marker: {marker}" if marker else ""
    directory, path = _override(
        tmp_path,
        f"""
        messages:
          - id: clinic.long.001
            kind: {kind}
            {marker_line}
            text: "{text}"
        """,
    )
    problem = _only(check_directory(directory))
    assert (problem.file, problem.message_id) == (path, "clinic.long.001")
    assert f"{len(text.strip())} characters" in problem.what
    assert str(limit) in problem.what


def test_a_missing_kind_is_reported(tmp_path: Path) -> None:
    library = copy_library(tmp_path / "library")
    (library / "account.yaml").unlink()  # pause_confirmation and checkin_closed
    problems = check_directory(base_dir=library)
    assert {(p.file, p.message_id) for p in problems} == {(library, None)}
    whats = sorted(p.what for p in problems)
    assert len(whats) == 2
    assert "no checkin_closed messages" in whats[0]
    assert "no pause_confirmation messages" in whats[1]


def test_a_missing_marker_and_too_few_variants_are_reported(tmp_path: Path) -> None:
    library = copy_library(tmp_path / "library")
    (library / "celebrate_sleep.yaml").unlink()
    text = (library / "nudges.yaml").read_text(encoding="utf-8")
    (library / "nudges.yaml").write_text(text.split("  - id: nudge.020")[0], encoding="utf-8")
    whats = sorted(p.what for p in check_directory(base_dir=library))
    assert whats == [
        "There are 0 celebration messages for sleep; N1 needs at least 20 so that people do not "
        "keep seeing the same few.",
        "There are 19 nudge messages; N1 needs at least 20 so that people do not keep seeing "
        "the same few.",
    ]


@pytest.mark.parametrize(
    "content",
    [
        "messages:\n  - id: clinic.ack.001\n    text: 'unclosed\n",
        "messages:\n  - id: a.b\n     kind: checkin_ack\n",
        "messages: [\n",
    ],
)
def test_malformed_yaml_is_reported_with_its_line(tmp_path: Path, content: str) -> None:
    directory = tmp_path / "clinic"
    directory.mkdir()
    path = directory / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    problem = _only(check_directory(directory))
    assert (problem.file, problem.message_id) == (path, None)
    assert problem.what.startswith("The file is not valid YAML")
    assert problem.line is not None


_ID = "clinic.x.001"


@pytest.mark.parametrize(
    ("entry", "message_id", "expected"),
    [
        ({"id": _ID, "text": "Hello there."}, _ID, "It has no kind."),
        ({"id": _ID, "kind": "checkin_ack"}, _ID, "It has no text."),
        ({"kind": "checkin_ack", "text": "Hello there."}, None, "It has no id."),
        ({"id": "Clinic X", "kind": "checkin_ack", "text": "Hi."}, "Clinic X", "not a valid id"),
        ({"id": _ID, "kind": "pep_talk", "text": "Hi."}, _ID, "'pep_talk'"),
        ({"id": _ID, "kind": "checkin_ack", "text": "  "}, _ID, "empty"),
        ({"id": _ID, "kind": "checkin_ack", "text": 12}, _ID, "valid string"),
        ({"id": _ID, "kind": "checkin_ack", "text": "No.", "colour": "red"}, _ID, "'colour'"),
        ({"id": _ID, "kind": "celebration", "text": "Well done."}, _ID, "needs a marker"),
        (
            {"id": _ID, "kind": "celebration", "marker": "pain_dominance", "text": "Nice."},
            _ID,
            "not pain_dominance",
        ),
        (
            {"id": _ID, "kind": "nudge", "marker": "sleep", "text": "Hello again."},
            _ID,
            "does not take a marker",
        ),
        (
            {"id": _ID, "kind": "nudge", "conditions": {"rainy": True}, "text": "Hi."},
            _ID,
            "'conditions.rainy' is not something",
        ),
        (
            {"id": _ID, "kind": "nudge", "conditions": {"weekdays": ["x"]}, "text": "Hi."},
            _ID,
            "conditions.weekdays",
        ),
        (
            {"id": _ID, "kind": "nudge", "conditions": {"situation": "crisis"}, "text": "Hi."},
            _ID,
            "Only safety messages",
        ),
        (
            {"id": _ID, "kind": "safety", "text": "Call 999 or go to A&E now."},
            _ID,
            "needs conditions.situation",
        ),
    ],
)
def test_a_broken_message_is_reported_plainly(
    tmp_path: Path, entry: dict[str, object], message_id: str | None, expected: str
) -> None:
    directory = tmp_path / "clinic"
    path = write(directory, "clinic.yaml", yaml.safe_dump({"messages": [entry]}))
    problems = check_directory(directory)
    # A safety message is also refused as an override; the point here is the first problem.
    problem = problems[0] if entry.get("kind") == "safety" else _only(problems)
    assert (problem.file, problem.message_id, problem.line) == (path, message_id, 2)
    assert expected in problem.what


def test_tone_problems_in_an_override_are_reported(tmp_path: Path) -> None:
    directory, _path = _override(
        tmp_path,
        """
        messages:
          - id: clinic.nudge.001
            kind: nudge
            text: "You should check in. Don't break your streak!"
          - id: clinic.nudge.002
            kind: nudge
            text: "Notwithstanding considerable physiological variability, consistent
              participation facilitates individualised interpretation."
        """,
    )
    problems = check_directory(directory)
    assert [p.message_id for p in problems] == ["clinic.nudge.001"] * 2 + ["clinic.nudge.002"]
    assert "'should'" in problems[0].what
    assert "'streak'" in problems[1].what
    assert "grade" in problems[2].what


def test_a_file_without_a_messages_list_is_reported(tmp_path: Path) -> None:
    directory, path = _override(tmp_path, "hello: there\n")
    problem = _only(check_directory(directory))
    assert (problem.file, problem.message_id) == (path, None)
    assert "'messages:'" in problem.what


def test_a_missing_or_empty_override_directory_is_reported(tmp_path: Path) -> None:
    assert "no directory" in _only(check_directory(tmp_path / "nowhere")).what
    (tmp_path / "empty").mkdir()
    assert "no .yaml files" in _only(check_directory(tmp_path / "empty")).what


# ---------------------------------------------------------------------------------------------
# Overrides


def test_overrides_replace_by_id_and_add_new_ids(tmp_path: Path) -> None:
    directory, _path = _override(
        tmp_path,
        """
        defaults:
          kind: checkin_ack
        messages:
          - id: ack.001
            text: "Thanks from all of us at the clinic. That's saved."
          - id: clinic_north.ack.001
            conditions: {weekdays: [mon]}
            text: "Thank you. Have a gentle Monday."
        """,
    )
    assert check_directory(directory) == []
    catalogue = load_catalogue(directory)
    assert catalogue.get("ack.001").text == "Thanks from all of us at the clinic. That's saved."
    added = catalogue.get("clinic_north.ack.001")
    assert added.kind is Kind.CHECKIN_ACK
    assert len(catalogue) == len(shipped()) + 1
    # Everything else is untouched.
    assert catalogue.get("ack.002") == shipped().get("ack.002")


def test_overriding_a_safety_message_is_refused(tmp_path: Path) -> None:
    directory, path = _override(
        tmp_path,
        """
        messages:
          - id: safety.crisis
            kind: safety
            conditions: {situation: crisis}
            text: "Please call 999, NHS 111 option 2, Samaritans 116 123 or text SHOUT to 85258."
        """,
    )
    problem = _only(check_directory(directory))
    assert (problem.file, problem.message_id) == (path, "safety.crisis")
    assert "safety messages cannot be overridden" in problem.what
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(directory)
    assert raised.value.problems == [problem]
    assert "cannot be overridden" in str(raised.value)


def test_overriding_a_safety_message_as_another_kind_is_refused(tmp_path: Path) -> None:
    directory, _path = _override(
        tmp_path,
        """
        messages:
          - id: safety.emergency
            kind: checkin_ack
            text: "Thanks. That's saved."
        """,
    )
    assert "cannot be overridden" in _only(check_directory(directory)).what


def test_adding_a_safety_message_is_refused(tmp_path: Path) -> None:
    directory, _path = _override(
        tmp_path,
        """
        messages:
          - id: clinic.safety.001
            kind: safety
            conditions: {situation: emergency}
            text: "Call 999 or go to A&E now."
        """,
    )
    assert "cannot add safety messages" in _only(check_directory(directory)).what


def test_a_replacement_keeps_its_kind_and_marker(tmp_path: Path) -> None:
    directory, _path = _override(
        tmp_path,
        """
        messages:
          - id: ack.001
            kind: nudge
            text: "Your check-in is still open for you."
          - id: celebrate.sleep.001
            kind: celebration
            marker: energy
            text: "Your energy has picked up this week."
        """,
    )
    whats = [p.what for p in check_directory(directory)]
    assert len(whats) == 2
    assert "must keep the kind" in whats[0]
    assert "must keep the marker" in whats[1]


def test_load_catalogue_refuses_a_broken_override(tmp_path: Path) -> None:
    directory, _path = _override(tmp_path, "messages: [\n")
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(directory)
    assert len(raised.value.problems) == 1


def test_checking_the_library_directory_itself_checks_the_library() -> None:
    assert check_directory(LIBRARY_DIR) == []


def test_a_problem_prints_as_file_line_id_and_what() -> None:
    problem = Problem(Path("clinic/a.yaml"), "ack.001", "It has no text.", 4)
    assert str(problem) == "clinic/a.yaml:4 [ack.001]: It has no text."
    assert str(Problem(Path("clinic"), None, "Empty.")) == "clinic: Empty."
