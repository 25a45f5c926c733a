"""Stored cases: SPSTs, their API keys, employers, employees and arrêts.

Revision ID: 0001_stored_cases
Revises:
Create Date: 2026-11-23

Written to run the same on SQLite and PostgreSQL: timestamps are
``timestamptz`` on PostgreSQL (the ORM keeps them in UTC on SQLite), every
constraint is named, and the links between a case's rows are composite
foreign keys that include ``spst_id``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_stored_cases"
down_revision = None
branch_labels = None
depends_on = None

CAUSES = "'maladie', 'accident_travail', 'maladie_professionnelle', 'maternite', 'accident_trajet'"


def _timestamp(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "spsts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_spsts"),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
        _timestamp("last_used_at", nullable=True),
        sa.ForeignKeyConstraint(["spst_id"], ["spsts.id"], name="fk_api_keys_spst_id_spsts"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_spst_id", "api_keys", ["spst_id"])
    op.create_table(
        "employers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("mid_career_age", sa.Integer(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=20), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint("region IN ('national', 'alsace-moselle')",
                           name="ck_employers_region"),
        sa.CheckConstraint("headcount >= 0", name="ck_employers_headcount"),
        sa.CheckConstraint("mid_career_age BETWEEN 18 AND 70",
                           name="ck_employers_mid_career_age"),
        sa.ForeignKeyConstraint(["spst_id"], ["spsts.id"], name="fk_employers_spst_id_spsts"),
        sa.PrimaryKeyConstraint("id", name="pk_employers"),
        sa.UniqueConstraint("spst_id", "id", name="uq_employers_spst_id_id"),
        sa.UniqueConstraint("spst_id", "siret", name="uq_employers_spst_id_siret"),
    )
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("return_date", sa.Date(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(["spst_id", "employer_id"], ["employers.spst_id", "employers.id"],
                                name="fk_employees_spst_id_employer_id_employers"),
        sa.PrimaryKeyConstraint("id", name="pk_employees"),
        sa.UniqueConstraint("spst_id", "id", name="uq_employees_spst_id_id"),
    )
    op.create_index("ix_employees_spst_id_employer_id_id", "employees",
                    ["spst_id", "employer_id", "id"])
    op.create_table(
        "arrets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spst_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=32), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(f"cause IN ({CAUSES})", name="ck_arrets_cause"),
        sa.CheckConstraint("end_date >= start_date", name="ck_arrets_dates"),
        sa.ForeignKeyConstraint(["spst_id", "employee_id"], ["employees.spst_id", "employees.id"],
                                name="fk_arrets_spst_id_employee_id_employees",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_arrets"),
    )
    op.create_index("ix_arrets_spst_id_employee_id_id", "arrets",
                    ["spst_id", "employee_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_arrets_spst_id_employee_id_id", table_name="arrets")
    op.drop_table("arrets")
    op.drop_index("ix_employees_spst_id_employer_id_id", table_name="employees")
    op.drop_table("employees")
    op.drop_table("employers")
    op.drop_index("ix_api_keys_spst_id", table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_table("spsts")
