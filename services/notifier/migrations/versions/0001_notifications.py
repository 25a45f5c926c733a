"""Notifications queue, history, SMS opt-outs, outbox and console inbox.

Revision ID: 0001_notifications
Revises:
Create Date: 2026-11-23

Runs the same on SQLite and PostgreSQL: timestamps are ``timestamptz`` on
PostgreSQL (the ORM keeps them in UTC on SQLite) and every constraint is named.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_notifications"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = "'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed', 'cancelled'"


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("segments", sa.Integer(), nullable=True),
        sa.Column("callback_url", sa.String(length=2000), nullable=True),
        _timestamp("not_before", nullable=True),
        _timestamp("next_attempt_at"),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("possibly_duplicated", sa.Boolean(), nullable=False),
        sa.Column("possibly_sent", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("sent_at", nullable=True),
        sa.CheckConstraint("channel IN ('sms', 'email')", name="ck_notifications_channel"),
        sa.CheckConstraint(f"status IN ({STATUSES})", name="ck_notifications_status"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("idempotency_key", name="uq_notifications_idempotency_key"),
    )
    op.create_index("ix_notifications_status_next_attempt_at", "notifications",
                    ["status", "next_attempt_at"])
    op.create_index("ix_notifications_provider_id", "notifications", ["provider_id"])
    op.create_table(
        "notification_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notification_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        _timestamp("at"),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["notifications.id"], ondelete="CASCADE",
                                name="fk_notification_events_notification_id_notifications"),
        sa.PrimaryKeyConstraint("id", name="pk_notification_events"),
    )
    op.create_index("ix_notification_events_notification_id_id", "notification_events",
                    ["notification_id", "id"])
    op.create_table(
        "sms_opt_outs",
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("phone", name="pk_sms_opt_outs"),
    )
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("notification_id", sa.String(length=36), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("next_attempt_at"),
        sa.Column("last_error", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("delivered_at", nullable=True),
        sa.CheckConstraint("kind IN ('callback', 'reply')", name="ck_outbox_messages_kind"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')",
                           name="ck_outbox_messages_status"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_messages"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_messages_idempotency_key"),
    )
    op.create_index("ix_outbox_messages_status_next_attempt_at", "outbox_messages",
                    ["status", "next_attempt_at"])
    op.create_table(
        "console_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_console_messages"),
    )
    op.create_index("ix_console_messages_reference", "console_messages", ["reference"])


def downgrade() -> None:
    op.drop_table("console_messages")
    op.drop_table("outbox_messages")
    op.drop_table("sms_opt_outs")
    op.drop_table("notification_events")
    op.drop_table("notifications")
