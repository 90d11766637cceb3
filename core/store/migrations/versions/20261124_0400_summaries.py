"""Weekly summaries, the log of library messages sent, and a pause on nudges

Revision ID: e7c9a1b3d5f6
Revises: d5b8e2f0a6c4
Create Date: 2026-11-24 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7c9a1b3d5f6"
down_revision: str | Sequence[str] | None = "d5b8e2f0a6c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    """BIGINT ids on PostgreSQL; INTEGER on SQLite, where only that is the rowid."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    """Every `*_at` column: UTC (SQLite stores it without an offset)."""
    return sa.DateTime(timezone=True)


def _patient_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["patient_id"],
        ["patients.id"],
        name=op.f(f"fk_{table}_patient_id_patients"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    """Create the two tables and the patients' nudge pause."""
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("nudges_paused_until_at", _utc(), nullable=True))
    op.create_table(
        "message_log",
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("sent_at", _utc(), nullable=False),
        _patient_fk("message_log"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_log")),
    )
    op.create_index(
        op.f("ix_message_log_patient_id_kind_sent_at"),
        "message_log",
        ["patient_id", "kind", "sent_at"],
    )
    op.create_table(
        "weekly_summaries",
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("next_focus", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("focus_answered_at", _utc(), nullable=True),
        _patient_fk("weekly_summaries"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weekly_summaries")),
        sa.UniqueConstraint(
            "patient_id", "week_start", name=op.f("uq_weekly_summaries_patient_id_week_start")
        ),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("weekly_summaries")
    op.drop_index(op.f("ix_message_log_patient_id_kind_sent_at"), table_name="message_log")
    op.drop_table("message_log")
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("nudges_paused_until_at")
