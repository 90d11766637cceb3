"""Scheduling and delivery: back-off level, nudge state, due local date

Revision ID: d5b8e2f0a6c4
Revises: c2a7d9e4f1b3
Create Date: 2026-11-24 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5b8e2f0a6c4"
down_revision: str | Sequence[str] | None = "c2a7d9e4f1b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc() -> sa.DateTime:
    """Every `*_at` column: UTC (SQLite stores it without an offset)."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the scheduling columns."""
    with op.batch_alter_table("patients") as batch:
        batch.add_column(
            sa.Column("backoff_level", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("due_local_date", sa.Date(), nullable=True))
    with op.batch_alter_table("check_ins") as batch:
        batch.add_column(sa.Column("nudge_due_at", _utc(), nullable=True))
        batch.add_column(
            sa.Column("nudges_sent", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch.add_column(sa.Column("nudge_reply", sa.String(8), nullable=True))
    op.create_index(op.f("ix_check_ins_nudge_due_at"), "check_ins", ["nudge_due_at"])


def downgrade() -> None:
    """Drop them again."""
    op.drop_index(op.f("ix_check_ins_nudge_due_at"), table_name="check_ins")
    with op.batch_alter_table("check_ins") as batch:
        batch.drop_column("nudge_reply")
        batch.drop_column("nudges_sent")
        batch.drop_column("nudge_due_at")
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("due_local_date")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("backoff_level")
