"""Alembic environment of the scheduler service."""

from services.scheduler.adapters.orm import metadata
from shared.migrations import run_env

run_env(metadata)
