"""Safety events: the category of each signpost and when, never the text

Revision ID: b7e2f4a6c8d0
Revises: a9d4c2e8b7f1
Create Date: 2026-12-08 01:00:00

Screening typed text used to leave a `safety_red_flag` or `safety_crisis` row in
`security_events`, a table with no patient link (so /delete left it behind). A signpost is
now a row of its own, linked to the person (and erased with them), with room to note when a
cohort's clinicians were told. The old rows are left in `security_events`: they hold no
patient link to move them by.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e2f4a6c8d0"
down_revision: str | Sequence[str] | None = "a9d4c2e8b7f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    """BIGINT ids on PostgreSQL; INTEGER on SQLite, where only that is the rowid."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    """Every `*_at` column: UTC (SQLite stores it without an offset)."""
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create `safety_events`."""
    op.create_table(
        "safety_events",
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("notified_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_safety_events_patient_id_patients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_events")),
    )
    op.create_index(op.f("ix_safety_events_patient_id"), "safety_events", ["patient_id"])
    op.create_index(op.f("ix_safety_events_created_at"), "safety_events", ["created_at"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index(op.f("ix_safety_events_created_at"), table_name="safety_events")
    op.drop_index(op.f("ix_safety_events_patient_id"), table_name="safety_events")
    op.drop_table("safety_events")
