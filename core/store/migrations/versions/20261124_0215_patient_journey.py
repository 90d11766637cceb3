"""Patient journey: awaited typed input, and the optional pain item

Revision ID: c2a7d9e4f1b3
Revises: 3f1c2a9d7b10
Create Date: 2026-11-24 02:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c2a7d9e4f1b3"
down_revision: str | Sequence[str] | None = "3f1c2a9d7b10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the two patient columns."""
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("awaiting_input", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column(
                "ask_about_pain", sa.Boolean(), server_default=sa.text("true"), nullable=False
            )
        )


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("ask_about_pain")
        batch.drop_column("awaiting_input")
