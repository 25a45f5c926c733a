"""Référent handicap: an address per employer, invited with the employee's consent.

Revision ID: 0003_referent_handicap
Revises: 0002_workflows
Create Date: 2026-11-23

The employee's consent is already on ``procedures.referent_handicap_consent``
(0002); the employer's référent handicap gets its e-mail address here. A
nullable column: existing employers simply have none, and nobody is invited.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_referent_handicap"
down_revision = "0002_workflows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.add_column(sa.Column("referent_handicap_email", sa.String(length=254),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employers") as batch:
        batch.drop_column("referent_handicap_email")
