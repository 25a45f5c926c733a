"""Index of the retention purge: events by their end.

Revision ID: 0003_retention
Revises: 0002_invites
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0003_retention"
down_revision = "0002_invites"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_end_at", "events", ["end_at"])


def downgrade() -> None:
    op.drop_index("ix_events_end_at", table_name="events")
