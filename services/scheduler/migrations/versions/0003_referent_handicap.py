"""Référent handicap: an address per employer, invited with the employee's consent.

Revision ID: 0003_referent_handicap
Revises: 0002_workflows
Create Date: 2026-11-23
"""

from __future__ import annotations

revision = "0003_referent_handicap"
down_revision = "0002_workflows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
