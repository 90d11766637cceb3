"""Data rights: indexes erasure finds a person's rows by

Revision ID: d1f3a5c7e9b2
Revises: a9d4c2e8b7f1
Create Date: 2026-12-08 03:00:00

Erasure (/delete and the retention purge) deletes, besides the patient row and its cascade,
every security event with the person's Telegram user id and every outbox message queued for
their chat without a patient row. Without these indexes each erasure would read both tables
whole; the outbox index is partial (rows with no patient), so the usual rows cost it nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d1f3a5c7e9b2"
down_revision: str | Sequence[str] | None = "c5d7e9f1a3b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNOWNED = sa.text("patient_id IS NULL")


def upgrade() -> None:
    """Index security events by Telegram user, and unowned outbox messages by chat."""
    op.create_index(
        op.f("ix_security_events_telegram_user_id"), "security_events", ["telegram_user_id"]
    )
    op.create_index(
        op.f("ix_outbox_chat_id"),
        "outbox",
        ["chat_id"],
        sqlite_where=_UNOWNED,
        postgresql_where=_UNOWNED,
    )


def downgrade() -> None:
    """Drop both indexes."""
    op.drop_index(op.f("ix_outbox_chat_id"), table_name="outbox")
    op.drop_index(op.f("ix_security_events_telegram_user_id"), table_name="security_events")
