"""Indexes that let the daily sweep find due work without reading the population.

Revision ID: 0004_sweep_indexes
Revises: 0003_referent_handicap
Create Date: 2026-11-23

- ``arrets (end_date, start_date, spst_id, employee_id)``: the arrêts running
  on a day, read from the index alone (no table access on PostgreSQL);
- ``employees (birth_date, spst_id, employer_id, id)``: the employees born in
  one year (a mid-career cohort), read from the index alone;
- ``employers (mid_career_age)``: the distinct branch ages, one probe each.

See ``services/scheduler/adapters/daily_queries.py`` for the queries.
"""

from __future__ import annotations

from alembic import op

revision = "0004_sweep_indexes"
down_revision = "0003_referent_handicap"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_arrets_end_date_start_date_spst_id_employee_id", "arrets",
     ["end_date", "start_date", "spst_id", "employee_id"]),
    ("ix_employees_birth_date_spst_id_employer_id_id", "employees",
     ["birth_date", "spst_id", "employer_id", "id"]),
    ("ix_employers_mid_career_age", "employers", ["mid_career_age"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
