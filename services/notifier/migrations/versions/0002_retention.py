"""Indexes of the retention purge: finished notifications and outbox messages by age.

Revision ID: 0002_retention
Revises: 0001_notifications
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002_retention"
down_revision = "0001_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_notifications_updated_at", "notifications", ["updated_at"])
    op.create_index("ix_outbox_messages_created_at", "outbox_messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_messages_created_at", table_name="outbox_messages")
    op.drop_index("ix_notifications_updated_at", table_name="notifications")
