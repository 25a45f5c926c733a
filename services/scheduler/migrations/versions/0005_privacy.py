"""Privacy: the audit log, and what the purge needs.

Revision ID: 0005_privacy
Revises: 0004_sweep_indexes
Create Date: 2026-11-23
"""

from __future__ import annotations

revision = "0005_privacy"
down_revision = "0004_sweep_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
