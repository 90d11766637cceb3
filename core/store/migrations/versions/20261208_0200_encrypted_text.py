"""People's own words are stored encrypted: room for an activity's token

Revision ID: c5d7e9f1a3b5
Revises: a9d4c2e8b7f1
Create Date: 2026-12-08 02:00:00

An activity name (up to 100 characters) becomes a Fernet token of up to about 630
characters, so `activities.label` becomes TEXT; the other encrypted columns (check-in notes,
weekly summaries and their focus, outbox payloads) already hold text of any length.

No value is encrypted here: a migration has no key. Rows written before this revision stay
plain text until `n1 keys rotate` encrypts them (README, "Encryption keys"); `n1 run`
refuses to start while any is left.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c5d7e9f1a3b5"
down_revision: str | Sequence[str] | None = "b7e2f4a6c8d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """activities.label: VARCHAR(100) to TEXT."""
    with op.batch_alter_table("activities") as batch:
        batch.alter_column(
            "label", existing_type=sa.String(length=100), type_=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    """activities.label back to VARCHAR(100) (only once every label is plain text again)."""
    with op.batch_alter_table("activities") as batch:
        batch.alter_column(
            "label", existing_type=sa.Text(), type_=sa.String(length=100), existing_nullable=False
        )
