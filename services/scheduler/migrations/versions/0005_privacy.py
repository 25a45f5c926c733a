"""Privacy: the audit log, and the erasure requests relayed to the notifier and the calendar.

Revision ID: 0005_privacy
Revises: 0004_sweep_indexes
Create Date: 2026-11-23

``audit_log`` has no foreign key on purpose: its entries outlive an erased
employee. The outbox learns two operations (``erase_notifications``,
``erase_events``): on SQLite the CHECK constraint changes through a table
copy (batch mode), on PostgreSQL in place.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_privacy"
down_revision = "0004_sweep_indexes"
branch_labels = None
depends_on = None

BEFORE = "operation IN ('notify', 'put_event', 'cancel_event')"
AFTER = ("operation IN ('notify', 'put_event', 'cancel_event', 'erase_notifications', "
         "'erase_events')")


def _operations(condition: str) -> None:
    with op.batch_alter_table("outbox", recreate="auto") as batch:
        batch.drop_constraint("ck_outbox_operation", type_="check")
        batch.create_check_constraint("ck_outbox_operation", condition)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_type", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=20), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_spst_id_employee_id_id", "audit_log",
                    ["spst_id", "employee_id", "id"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    _operations(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE operation IN ('erase_notifications', 'erase_events')")
    _operations(BEFORE)
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_index("ix_audit_log_spst_id_employee_id_id", table_name="audit_log")
    op.drop_table("audit_log")
