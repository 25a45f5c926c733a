"""Workflows: procedures, slots, due actions, outbox, planner accounts, SPST settings.

Revision ID: 0002_workflows
Revises: 0001_stored_cases
Create Date: 2026-11-30

Same style as 0001: named constraints, composite tenant foreign keys that
include ``spst_id``, timestamps with time zone. Columns added to existing
tables carry a server default so that existing rows get a value; SQLite
needs a batch (table copy) to add the foreign key of ``api_keys.employer_id``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_workflows"
down_revision = "0001_stored_cases"
branch_labels = None
depends_on = None

KINDS = "'liaison', 'reprise', 'pre_reprise', 'mid_career'"
STATES = ("'informed', 'accepted', 'confirmed', 'held', 'refused', 'cancelled', "
          "'impossible', 'referred', 'scheduled', 'missed', 'requested', 'due'")
DUE_KINDS = ("'liaison_reminder', 'liaison_propose_slots', 'reprise_d3', 'reprise_d1', "
             "'reprise_missed', 'mid_career_midyear', 'mid_career_closing'")


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _spst_settings() -> None:
    with op.batch_alter_table("spsts") as batch:
        batch.add_column(sa.Column("planning_email", sa.String(length=254), nullable=True))
        batch.add_column(sa.Column("calendar_planner_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("mid_career_combined_window", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("mid_career_notify_employee", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("spst_attends_liaison", sa.Boolean(), nullable=False,
                                   server_default=sa.true()))
        batch.add_column(sa.Column("office_opens", sa.Integer(), nullable=False,
                                   server_default="540"))
        batch.add_column(sa.Column("office_closes", sa.Integer(), nullable=False,
                                   server_default="1020"))
        batch.add_column(sa.Column("meeting_minutes", sa.Integer(), nullable=False,
                                   server_default="60"))
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("employer_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_api_keys_spst_id_employer_id_employers", "employers",
                                 ["spst_id", "employer_id"], ["spst_id", "id"],
                                 ondelete="CASCADE")


def _procedures() -> None:
    op.create_table(
        "procedures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("anchor", sa.Date(), nullable=False),
        sa.Column("initiated_by", sa.String(length=20), nullable=True),
        sa.Column("requested_on", sa.Date(), nullable=True),
        sa.Column("spst_notified_on", sa.Date(), nullable=True),
        sa.Column("window_start", sa.Date(), nullable=True),
        sa.Column("window_end", sa.Date(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        _timestamp("starts_at", nullable=True),
        _timestamp("ends_at", nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("location", sa.String(length=500), nullable=True),
        sa.Column("video_url", sa.String(length=2000), nullable=True),
        sa.Column("calendar_uid", sa.String(length=200), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("link_version", sa.Integer(), nullable=False),
        sa.Column("referent_handicap_consent", sa.Boolean(), nullable=False),
        sa.Column("share_with_employer", sa.Boolean(), nullable=False),
        _timestamp("closed_at", nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(f"kind IN ({KINDS})", name="ck_procedures_kind"),
        sa.CheckConstraint(f"state IN ({STATES})", name="ck_procedures_state"),
        sa.CheckConstraint("mode IS NULL OR mode IN ('remote', 'in_person')",
                           name="ck_procedures_mode"),
        sa.ForeignKeyConstraint(["spst_id", "employee_id"], ["employees.spst_id", "employees.id"],
                                name="fk_procedures_spst_id_employee_id_employees",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["spst_id", "employer_id"], ["employers.spst_id", "employers.id"],
                                name="fk_procedures_spst_id_employer_id_employers"),
        sa.PrimaryKeyConstraint("id", name="pk_procedures"),
        sa.UniqueConstraint("spst_id", "id", name="uq_procedures_spst_id_id"),
        sa.UniqueConstraint("spst_id", "employee_id", "kind", "anchor",
                            name="uq_procedures_spst_id_employee_id_kind_anchor"),
    )
    op.create_index("ix_procedures_spst_id_employer_id_id", "procedures",
                    ["spst_id", "employer_id", "id"])
    op.create_index("ix_procedures_state_kind", "procedures", ["state", "kind"])
    op.create_table(
        "slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        _timestamp("starts_at"),
        _timestamp("ends_at"),
        sa.Column("status", sa.String(length=20), nullable=False),
        _timestamp("created_at"),
        sa.CheckConstraint("status IN ('proposed', 'chosen', 'discarded')",
                           name="ck_slots_status"),
        sa.ForeignKeyConstraint(["spst_id", "procedure_id"],
                                ["procedures.spst_id", "procedures.id"],
                                name="fk_slots_spst_id_procedure_id_procedures",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_slots"),
    )
    op.create_index("ix_slots_spst_id_procedure_id_id", "slots",
                    ["spst_id", "procedure_id", "id"])


def _machinery() -> None:
    op.create_table(
        "due_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _timestamp("due_at"),
        sa.Column("status", sa.String(length=20), nullable=False),
        _timestamp("done_at", nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint(f"kind IN ({DUE_KINDS})", name="ck_due_actions_kind"),
        sa.CheckConstraint("status IN ('pending', 'done', 'cancelled')",
                           name="ck_due_actions_status"),
        sa.ForeignKeyConstraint(["spst_id", "procedure_id"],
                                ["procedures.spst_id", "procedures.id"],
                                name="fk_due_actions_spst_id_procedure_id_procedures",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_due_actions"),
        sa.UniqueConstraint("procedure_id", "kind", "due_at",
                            name="uq_due_actions_procedure_id_kind_due_at"),
    )
    op.create_index("ix_due_actions_status_due_at", "due_actions", ["status", "due_at"])
    op.create_index("ix_due_actions_spst_id_procedure_id", "due_actions",
                    ["spst_id", "procedure_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("operation", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("next_attempt_at"),
        sa.Column("last_error", sa.String(length=2000), nullable=True),
        _timestamp("delivered_at", nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint("operation IN ('notify', 'put_event', 'cancel_event')",
                           name="ck_outbox_operation"),
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed', 'cancelled')",
                           name="ck_outbox_status"),
        sa.ForeignKeyConstraint(["spst_id"], ["spsts.id"], name="fk_outbox_spst_id_spsts"),
        sa.ForeignKeyConstraint(["spst_id", "procedure_id"],
                                ["procedures.spst_id", "procedures.id"],
                                name="fk_outbox_spst_id_procedure_id_procedures",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.UniqueConstraint("idempotency_key", name="uq_outbox_idempotency_key"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_spst_id_procedure_id", "outbox", ["spst_id", "procedure_id"])
    op.create_table(
        "planner_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("calendar_planner_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(["spst_id"], ["spsts.id"],
                                name="fk_planner_accounts_spst_id_spsts"),
        sa.PrimaryKeyConstraint("id", name="pk_planner_accounts"),
        sa.UniqueConstraint("email", name="uq_planner_accounts_email"),
    )
    op.create_index("ix_planner_accounts_spst_id", "planner_accounts", ["spst_id"])
    op.create_table(
        "processed_replies",
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        _timestamp("received_at"),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_processed_replies"),
    )


def upgrade() -> None:
    _spst_settings()
    _procedures()
    _machinery()


def downgrade() -> None:
    op.drop_table("processed_replies")
    op.drop_index("ix_planner_accounts_spst_id", table_name="planner_accounts")
    op.drop_table("planner_accounts")
    op.drop_index("ix_outbox_spst_id_procedure_id", table_name="outbox")
    op.drop_index("ix_outbox_status_next_attempt_at", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_due_actions_spst_id_procedure_id", table_name="due_actions")
    op.drop_index("ix_due_actions_status_due_at", table_name="due_actions")
    op.drop_table("due_actions")
    op.drop_index("ix_slots_spst_id_procedure_id_id", table_name="slots")
    op.drop_table("slots")
    op.drop_index("ix_procedures_state_kind", table_name="procedures")
    op.drop_index("ix_procedures_spst_id_employer_id_id", table_name="procedures")
    op.drop_table("procedures")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_constraint("fk_api_keys_spst_id_employer_id_employers", type_="foreignkey")
        batch.drop_column("employer_id")
    with op.batch_alter_table("spsts") as batch:
        for column in ("meeting_minutes", "office_closes", "office_opens",
                       "spst_attends_liaison", "mid_career_notify_employee",
                       "mid_career_combined_window", "calendar_planner_id", "planning_email"):
            batch.drop_column(column)
