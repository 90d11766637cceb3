"""Initial schema

Patients, consents, activities, schedules, check-ins, answers, outbox and security events.

Revision ID: 3f1c2a9d7b10
Revises:
Create Date: 2026-11-24 01:43:39
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Revision identifiers, used by Alembic.
revision: str = "3f1c2a9d7b10"
down_revision: str | Sequence[str] | None = None
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
    """Create all tables."""
    op.create_table(
        "patients",
        sa.Column("id", _id(), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), server_default="onboarding", nullable=False),
        sa.Column("onboarding_step", sa.String(32), nullable=True),
        sa.Column("time_zone", sa.String(64), server_default="Europe/London", nullable=False),
        sa.Column("checkin_days", sa.Integer(), server_default=sa.text("127"), nullable=False),
        sa.Column("checkin_time", sa.String(5), server_default="09:00", nullable=False),
        sa.Column("summary_weekday", sa.Integer(), server_default=sa.text("6"), nullable=False),
        sa.Column("summary_time", sa.String(5), server_default="18:00", nullable=False),
        sa.Column("quiet_start", sa.String(5), server_default="21:00", nullable=False),
        sa.Column("quiet_end", sa.String(5), server_default="08:00", nullable=False),
        sa.Column("paused_until_at", _utc(), nullable=True),
        sa.Column("join_code", sa.String(32), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("last_seen_at", _utc(), nullable=True),
        sa.CheckConstraint(
            "checkin_days BETWEEN 0 AND 127", name=op.f("ck_patients_checkin_days_bitmask")
        ),
        sa.CheckConstraint(
            "summary_weekday BETWEEN 0 AND 6", name=op.f("ck_patients_summary_weekday_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("telegram_user_id", name=op.f("uq_patients_telegram_user_id")),
    )

    op.create_table(
        "consents",
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.Column("decided_at", _utc(), nullable=False),
        sa.Column("withdrawn_at", _utc(), nullable=True),
        _patient_fk("consents"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_patient_id_kind"), "consents", ["patient_id", "kind"])

    op.create_table(
        "activities",
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.CheckConstraint("position BETWEEN 1 AND 3", name=op.f("ck_activities_position_range")),
        _patient_fk("activities"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
        sa.UniqueConstraint(
            "patient_id", "position", name=op.f("uq_activities_patient_id_position")
        ),
    )

    op.create_table(
        "schedules",
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("next_due_at", _utc(), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_until_at", _utc(), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        _patient_fk("schedules"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
        sa.UniqueConstraint("patient_id", "kind", name=op.f("uq_schedules_patient_id_kind")),
    )
    op.create_index(op.f("ix_schedules_next_due_at"), "schedules", ["next_due_at"])

    op.create_table(
        "check_ins",
        sa.Column("id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("slot", sa.String(16), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), server_default="open", nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("closes_at", _utc(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        _patient_fk("check_ins"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_check_ins")),
        sa.UniqueConstraint(
            "patient_id",
            "local_date",
            "slot",
            name=op.f("uq_check_ins_patient_id_local_date_slot"),
        ),
    )

    op.create_table(
        "answers",
        sa.Column("id", _id(), nullable=False),
        sa.Column("check_in_id", _id(), nullable=False),
        sa.Column("patient_id", _id(), nullable=False),
        sa.Column("item", sa.String(32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=True),
        sa.Column("answered_at", _utc(), nullable=False),
        sa.Column("changed_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["check_in_id"],
            ["check_ins.id"],
            name=op.f("fk_answers_check_in_id_check_ins"),
            ondelete="CASCADE",
        ),
        _patient_fk("answers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("check_in_id", "item", name=op.f("uq_answers_check_in_id_item")),
    )
    op.create_index(
        op.f("ix_answers_patient_id_answered_at"), "answers", ["patient_id", "answered_at"]
    )

    op.create_table(
        "outbox",
        sa.Column("id", _id(), nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("patient_id", _id(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("not_before_at", _utc(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        _patient_fk("outbox"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_patient_id"), "outbox", ["patient_id"])
    op.create_index(op.f("ix_outbox_status_not_before_at"), "outbox", ["status", "not_before_at"])

    op.create_table(
        "security_events",
        sa.Column("id", _id(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(500), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_security_events")),
    )
    op.create_index(op.f("ix_security_events_created_at"), "security_events", ["created_at"])


def downgrade() -> None:
    """Drop all tables, children before parents (their indexes go with them)."""
    op.drop_table("security_events")
    op.drop_table("outbox")
    op.drop_table("answers")
    op.drop_table("check_ins")
    op.drop_table("schedules")
    op.drop_table("activities")
    op.drop_table("consents")
    op.drop_table("patients")
