"""Answer digests: each person's answers per week and for their baseline, packed

Revision ID: f3b5d7e9a1c2
Revises: e7c9a1b3d5f6
Create Date: 2026-11-24 05:00:00

The table is filled from the answers already stored, with the same SQL the repository
uses (`core.store.repositories.answer_digests`, whose docstring has the layout), frozen
here as it was at this revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f3b5d7e9a1c2"
down_revision: str | Sequence[str] | None = "e7c9a1b3d5f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Stable codes of the items the weekly analysis reads (as `ITEM_CODES` had them).
_ITEM_CODES = {
    "moving_freely": "M",
    "confidence": "C",
    "worry": "W",
    "doing_what_matters": "D",
    "pain_dominance": "P",
    "sleep": "S",
    "energy": "E",
    "reframe": "R",
    "activity:1": "X",
    "activity:2": "Y",
    "activity:3": "Z",
}
# Every value an N1 scale has (markers 1-5, activities 0-10).
_VALUES = range(11)
_BASELINE_DAYS = 14

# Per dialect: a week's Monday, a UTC date of a timestamp, text repeated, string aggregate.
_SQLITE = {
    "week_start": "date({0}, 'weekday 0', '-6 days')",
    "utc_date": "date({0})",
    "baseline_end": f"date({{0}}, '+{_BASELINE_DAYS} days')",
    "repeat": "replace(hex(zeroblob({1})), '00', {0})",
    "aggregate": "group_concat({0}, {1})",
}
_POSTGRESQL = {
    "week_start": "({0} - (CAST(EXTRACT(ISODOW FROM {0}) AS INTEGER) - 1))",
    "utc_date": "CAST({0} AT TIME ZONE 'UTC' AS DATE)",
    "baseline_end": f"(CAST({{0}} AT TIME ZONE 'UTC' AS DATE) + {_BASELINE_DAYS})",
    "repeat": "repeat({0}, CAST({1} AS INTEGER))",
    "aggregate": "string_agg({0}, {1})",
}


def _segment(sql: dict[str, str]) -> str:
    """One item's values: its code, then each value's character as often as it was given."""
    whens = " ".join(f"WHEN '{item}' THEN '{code}'" for item, code in _ITEM_CODES.items())
    code = f"(CASE a.item {whens} ELSE a.item || '=' END)"
    levels = " || ".join(
        sql["repeat"].format(f"'{chr(48 + v)}'", f"SUM(CASE WHEN a.value = {v} THEN 1 ELSE 0 END)")
        for v in _VALUES
    )
    return f"CASE WHEN COUNT(a.value) > 0 THEN {code} || {levels} END"


def _digests(sql: dict[str, str], period: str, first_day: str, where: str, people: bool) -> str:
    source = "check_ins AS c JOIN answers AS a ON a.check_in_id = c.id"
    if people:
        source += " JOIN patients AS p ON p.id = c.patient_id"
    aggregate = sql["aggregate"].format("i.segment", "';'")
    return f"""
        SELECT d.patient_id, '{period}', d.first_day, d.days, COALESCE({aggregate}, '')
        FROM (
            SELECT c.patient_id AS patient_id, {first_day} AS first_day,
                   COUNT(DISTINCT c.local_date) AS days
            FROM {source} WHERE {where} GROUP BY c.patient_id, {first_day}
        ) AS d
        JOIN (
            SELECT c.patient_id AS patient_id, {first_day} AS first_day,
                   {_segment(sql)} AS segment
            FROM {source} WHERE {where} GROUP BY c.patient_id, {first_day}, a.item
        ) AS i ON i.patient_id = d.patient_id AND i.first_day = d.first_day
        GROUP BY d.patient_id, d.first_day, d.days
    """


def _backfill() -> None:
    """Every person's digests from the answers they gave before this revision."""
    sql = _SQLITE if op.get_bind().dialect.name == "sqlite" else _POSTGRESQL
    weeks = _digests(
        sql, "week", sql["week_start"].format("c.local_date"), "c.patient_id IS NOT NULL", False
    )
    baselines = _digests(
        sql,
        "baseline",
        sql["utc_date"].format("p.created_at"),
        "c.local_date < " + sql["baseline_end"].format("p.created_at"),
        True,
    )
    columns = "patient_id, period, first_day, days, answers"
    for rows in (weeks, baselines):
        op.execute(sa.text(f"INSERT INTO answer_digests ({columns}) {rows}"))


def _id() -> sa.types.TypeEngine[int]:
    """BIGINT ids on PostgreSQL; INTEGER on SQLite (as every id column there)."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create the digests and fill them from the stored answers."""
    op.create_table(
        "answer_digests",
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_answer_digests_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "patient_id", "period", "first_day", name=op.f("pk_answer_digests")
        ),
        sqlite_with_rowid=False,
    )
    _backfill()


def downgrade() -> None:
    """Drop them (they are derived from the answers, which stay)."""
    op.drop_table("answer_digests")
