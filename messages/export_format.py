"""A person's data as the files /export sends: JSON (everything) and CSV (one row per answer)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from typing import Any

from core.checkin_items import activity_position, is_activity
from messages.checkin_message import answer_words


def json_file_name(day: date) -> str:
    """The name the JSON file is sent under (the person's date of the export)."""
    return f"n1-{day.isoformat()}.json"


def csv_file_name(day: date) -> str:
    """The name the CSV file is sent under."""
    return f"n1-answers-{day.isoformat()}.csv"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_json(data: dict[str, Any]) -> bytes:
    """Everything, with each answer also given in words."""
    for check_in in data["check_ins"]:
        for answer in check_in["answers"]:
            answer["in_words"] = answer_words(answer["item"], answer["value"])
    return json.dumps(data, default=_plain, indent=2, ensure_ascii=False).encode()


CSV_COLUMNS = ("date", "check_in", "question", "answer", "in_words", "answered_at", "note")


def as_csv(data: dict[str, Any], activities: dict[int, str]) -> bytes:
    """One row per answer, ready for a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for check_in in data["check_ins"]:
        for answer in check_in["answers"]:
            item = answer["item"]
            label = activities.get(activity_position(item)) if is_activity(item) else None
            writer.writerow(
                (
                    _plain(check_in["local_date"]),
                    check_in["slot"],
                    label or item,
                    "" if answer["value"] is None else answer["value"],
                    answer_words(item, answer["value"]),
                    _plain(answer["answered_at"]),
                    check_in["note"] or "",
                )
            )
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8
