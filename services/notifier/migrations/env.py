"""Alembic environment of the notifier service."""

from services.notifier.adapters.orm import metadata
from shared.migrations import run_env

run_env(metadata)
