"""Invitation e-mails: the ``invites`` outbox and the events' ``send_invites`` choice.

Revision ID: 0002_invites
Revises: 0001_calendar
Create Date: 2026-11-23

Runs the same on SQLite (batch mode for the column) and PostgreSQL. Existing
events keep sending invitations (server default true); no e-mail is queued
for them until their next revision.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_invites"
down_revision = "0001_calendar"
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("send_invites", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _timestamp("next_attempt_at"),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("email_key", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("ics", sa.Text(), nullable=False),
        sa.Column("notification_id", sa.String(length=64), nullable=True),
        _timestamp("created_at"),
        _timestamp("delivered_at", nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name="fk_invites_event_id_events"),
        sa.PrimaryKeyConstraint("id", name="pk_invites"),
        sa.UniqueConstraint("idempotency_key", name="uq_invites_idempotency_key"),
    )
    op.create_index("ix_invites_status_next_attempt_at", "invites",
                    ["status", "next_attempt_at"])
    op.create_index("ix_invites_event_id_email_key_sequence", "invites",
                    ["event_id", "email_key", "sequence"])


def downgrade() -> None:
    op.drop_index("ix_invites_event_id_email_key_sequence", table_name="invites")
    op.drop_index("ix_invites_status_next_attempt_at", table_name="invites")
    op.drop_table("invites")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("send_invites")
