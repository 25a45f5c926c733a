"""Indexes that let the daily sweep find due work without reading the population.

Revision ID: 0004_sweep_indexes
Revises: 0003_referent_handicap
Create Date: 2026-11-23
"""

from __future__ import annotations

revision = "0004_sweep_indexes"
down_revision = "0003_referent_handicap"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
