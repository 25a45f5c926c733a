"""Alembic environment of the calendar service."""

from services.calendar.adapters.orm import metadata
from shared.migrations import run_env

run_env(metadata)
