"""Calendar: planners, feed tokens, events, CalDAV accounts and their push outbox.

Revision ID: 0001_calendar
Revises:
Create Date: 2026-11-23

Runs the same on SQLite and PostgreSQL: timestamps are ``timestamptz`` on
PostgreSQL (the ORM keeps them in UTC on SQLite) and every constraint is named.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_calendar"
down_revision = None
branch_labels = None
depends_on = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _planner_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["planner_id"], ["planners.id"],
                                   name=f"fk_{table}_planner_id_planners")


def upgrade() -> None:
    op.create_table(
        "planners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        sa.Column("feed_revision", sa.Integer(), nullable=False),
        _timestamp("feed_changed_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_planners"),
    )
    op.create_table(
        "caldav_accounts",
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("password_encrypted", sa.Text(), nullable=False),
        _timestamp("updated_at"),
        _planner_fk("caldav_accounts"),
        sa.PrimaryKeyConstraint("planner_id", name="pk_caldav_accounts"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=200), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=True),
        _timestamp("start_at"),
        _timestamp("end_at"),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("video_url", sa.String(length=2000), nullable=True),
        sa.Column("organizer_name", sa.String(length=200), nullable=False),
        sa.Column("organizer_email", sa.String(length=254), nullable=False),
        sa.Column("attendees", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("feed_vevent", sa.Text(), nullable=False),
        sa.Column("render_version", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _planner_fk("events"),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.UniqueConstraint("uid", name="uq_events_uid"),
    )
    op.create_index("ix_events_planner_id_start_at", "events", ["planner_id", "start_at"])
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
        _planner_fk("feed_tokens"),
        sa.PrimaryKeyConstraint("id", name="pk_feed_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_feed_tokens_token_hash"),
    )
    op.create_index("ix_feed_tokens_planner_id", "feed_tokens", ["planner_id"])
    op.create_table(
        "caldav_pushes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("planner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        _timestamp("next_attempt_at"),
        _timestamp("pushed_at", nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"],
                                name="fk_caldav_pushes_event_id_events"),
        _planner_fk("caldav_pushes"),
        sa.PrimaryKeyConstraint("id", name="pk_caldav_pushes"),
        sa.UniqueConstraint("event_id", name="uq_caldav_pushes_event_id"),
    )
    op.create_index("ix_caldav_pushes_status_next_attempt_at", "caldav_pushes",
                    ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_caldav_pushes_status_next_attempt_at", table_name="caldav_pushes")
    op.drop_table("caldav_pushes")
    op.drop_index("ix_feed_tokens_planner_id", table_name="feed_tokens")
    op.drop_table("feed_tokens")
    op.drop_index("ix_events_planner_id_start_at", table_name="events")
    op.drop_table("events")
    op.drop_table("caldav_accounts")
    op.drop_table("planners")
