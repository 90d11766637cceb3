"""The simpler foundation: no answer digests, no claim columns

Revision ID: a9d4c2e8b7f1
Revises: f3b5d7e9a1c2
Create Date: 2026-12-07 21:00:00

- `answer_digests` goes: weekly progress is read from the answers themselves, one person at
  a time, as the tick sends each summary.
- `schedules.claimed_by` and `claimed_until_at` go: nothing ever set them (rows are claimed
  with row locks, `FOR UPDATE SKIP LOCKED`).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from alembic.script import ScriptDirectory

revision: str = "a9d4c2e8b7f1"
down_revision: str | Sequence[str] | None = "f3b5d7e9a1c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the digests and the claim columns."""
    op.drop_table("answer_digests")
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("claimed_until_at")
        batch.drop_column("claimed_by")


def downgrade() -> None:
    """Put back what the previous revision had, digests filled from the answers."""
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until_at", sa.DateTime(timezone=True), nullable=True))
    # The revision that made the digests creates and fills them again (its own SQL).
    scripts = ScriptDirectory.from_config(context.config)
    scripts.get_revision(str(down_revision)).module.upgrade()
