"""The simpler foundation: no answer digests, no claim columns, indexes in claim order

Revision ID: a9d4c2e8b7f1
Revises: f3b5d7e9a1c2
Create Date: 2026-12-07 21:00:00

- `answer_digests` goes: weekly progress is read from the answers themselves, one person at
  a time, as the tick sends each summary.
- `schedules.claimed_by` and `claimed_until_at` go: nothing ever set them (rows are claimed
  with row locks, `FOR UPDATE SKIP LOCKED`).
- The indexes the tick and the dispatcher claim by end with the id they order by as well
  ("due before now, oldest first, then by id"), so a claim reads in index order instead of
  sorting everything due.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op
from alembic.script import ScriptDirectory

revision: str = "a9d4c2e8b7f1"
down_revision: str | Sequence[str] | None = "f3b5d7e9a1c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# (table, old index columns, new index columns)
_CLAIM_INDEXES = (
    ("schedules", ("next_due_at",), ("next_due_at", "id")),
    ("check_ins", ("nudge_due_at",), ("nudge_due_at", "id")),
    ("outbox", ("status", "not_before_at"), ("status", "not_before_at", "id")),
)


def _name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    """Drop the digests and the claim columns; claim indexes in claim order."""
    op.drop_table("answer_digests")
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("claimed_until_at")
        batch.drop_column("claimed_by")
    for table, old, new in _CLAIM_INDEXES:
        op.drop_index(_name(table, old), table_name=table)
        op.create_index(_name(table, new), table, list(new))


def downgrade() -> None:
    """Put back what the previous revision had, digests filled from the answers."""
    for table, old, new in _CLAIM_INDEXES:
        op.drop_index(_name(table, new), table_name=table)
        op.create_index(_name(table, old), table, list(old))
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until_at", sa.DateTime(timezone=True), nullable=True))
    # The revision that made the digests creates and fills them again (its own SQL).
    scripts = ScriptDirectory.from_config(context.config)
    scripts.get_revision(str(down_revision)).module.upgrade()
